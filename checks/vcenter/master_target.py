"""Checks of the master target VM and its ESXi host (steps 1-10 of the MT preparation)."""

from __future__ import annotations

from checks.model import Component, SourceUnavailable, Status
from checks.os_release import Release, better, compare, parse
from checks.spec import Check, CheckContext, Verdict, verdict
from checks.vcenter.inventory import RETENTION_SUFFIX, VM, GuestVolume, os_of
from checks.vcenter.subjects import (
    azure_master_target,
    failback_vms,
    master_target,
    master_target_host,
    missing_text,
    pods_to_cover,
    storage_drs_exposure,
)

MAX_DISKS = 60
MT = Component.MASTER_TARGET
BOTH = ("vcenter.inventory", "azure.master-target")
INVENTORY = ("vcenter.inventory",)
DEFAULT_RETENTION = {"windows": "R:\\", "linux": "/mnt/retention"}
OS_VOLUME = {"windows": "C", "linux": "/"}
FAT = {"fat", "fat16", "fat32", "vfat", "msdos"}


# --- step 2: same OS family, same or higher version ---------------------------------


def _vault_os(ctx: CheckContext) -> dict[str, tuple[Release, str]]:
    """The OS the vault records for each failback VM: powered off after failover (or gone), the
    on-premises VM shows vCenter only its configured guest name, and the vault often says more."""
    try:
        recorded = ctx.source("azure.failback-os")
    except (SourceUnavailable, KeyError):
        return {}
    out = {}
    for name, fields in (recorded.items() if isinstance(recorded, dict) else ()):
        words = " ".join(f"{fields.get('osVersion', '')} {fields.get('osName', '')}".split())
        release = parse(words, family_hint=fields.get("osType", ""))
        if release.family:
            out[name] = (release, words or fields.get("osType", ""))
    return out


def _shown(release: Release) -> dict[str, object]:
    return {"family": release.family, "distribution": release.distribution,
            "version": ".".join(str(v) for v in release.version), "release": release.shown}


def decide_os_match(ctx: CheckContext) -> Verdict:
    inv, mt = master_target(ctx)
    if isinstance(mt, Verdict):
        return mt
    mine = os_of(mt)
    mt_origin = "vcenter"
    azure = azure_master_target(ctx)
    if azure and azure.get("os_version"):
        recorded = parse(str(azure["os_version"]), family_hint=str(azure.get("os_type") or ""))
        if better(mine, recorded) is recorded and recorded is not mine:
            mine, mt_origin = recorded, "site-recovery"
    vms, missing = failback_vms(inv, ctx)
    vault = _vault_os(ctx)
    rows: list[tuple[str, Release, str, str]] = []
    for vm in vms:
        release, origin, raw = os_of(vm), "vcenter", vm.guest_running_full_name or vm.guest_full_name
        if vm.name in vault and better(release, vault[vm.name][0]) is not release:
            (release, raw), origin = vault[vm.name], "site-recovery"
        rows.append((vm.name, release, origin, raw))
    rows += [(name, vault[name][0], "site-recovery", vault[name][1]) for name in missing if name in vault]
    unseen = {name: close for name, close in missing.items() if name not in vault}
    evidence: dict[str, object] = {
        "master_target": {"name": mt.name, **_shown(mine), "from": mt_origin,
                          "guest": mt.guest_running_full_name or mt.guest_full_name},
        "vms": [{"name": name, **_shown(release), "guest": raw, "from": origin} for name, release, origin, raw in rows],
        "not_in_vcenter": list(missing),
    }
    azure_os = str((azure or {}).get("os_type") or "")
    evidence["site_recovery_os_type"] = azure_os or None
    family = mine.family
    if azure_os and family and azure_os.lower() != family:
        return verdict(Status.FAIL, "azure-differs", evidence, name=mt.name, family=family.capitalize(), azure=azure_os)
    if not family:
        return verdict(Status.ERROR, "mt-os-unknown", evidence, name=mt.name)
    other = [name for name, release, _, _ in rows if release.family and release.family != family]
    if other:
        return verdict(Status.FAIL, "family", evidence, name=mt.name, family=family.capitalize(), vms=other)
    order = {name: compare(mine, release) for name, release, _, _ in rows}
    evidence["order"] = order
    older = [f"{name} ({release.shown})" for name, release, _, _ in rows if order[name] == "older"]
    unknown = [f"{name} ({release.shown})" for name, release, _, _ in rows if order[name] == "unknown"]
    if older:
        return verdict(Status.FAIL, "older", evidence, name=mt.name, version=mine.shown, vms=older)
    if unknown:
        return verdict(Status.WARN, "version-unknown", evidence, name=mt.name, version=mine.shown, vms=unknown)
    if not rows:
        return verdict(Status.WARN, "no-vms", evidence, name=mt.name, missing=missing_text(missing))
    if unseen:
        return verdict(Status.WARN, "partial", evidence, name=mt.name, version=mine.shown, count=len(rows),
                       missing=missing_text(unseen))
    return verdict(Status.PASS, "match", evidence, name=mt.name, family=family.capitalize(), version=mine.shown,
                   count=len(rows))


# --- step 1: the limits -------------------------------------------------------------


def decide_disk_count(ctx: CheckContext) -> Verdict:
    inv, mt = master_target(ctx)
    if isinstance(mt, Verdict):
        return mt
    vms, missing = failback_vms(inv, ctx)
    per_vm = {vm.name: len(vm.disks) for vm in vms}
    total = len(mt.disks) + sum(per_vm.values())
    evidence = {"master_target_disks": len(mt.disks), "vms": per_vm, "total": total, "limit": MAX_DISKS, "not_in_vcenter": list(missing)}
    if total > MAX_DISKS:
        return verdict(Status.FAIL, "too-many", evidence, total=total, limit=MAX_DISKS, name=mt.name)
    if missing:
        return verdict(Status.WARN, "partial", evidence, total=total, limit=MAX_DISKS, missing=missing_text(missing))
    return verdict(Status.PASS, "within", evidence, total=total, limit=MAX_DISKS, mt_disks=len(mt.disks))


def decide_no_snapshots(ctx: CheckContext) -> Verdict:
    _, mt = master_target(ctx)
    if isinstance(mt, Verdict):
        return mt
    evidence = {"vm": mt.ref, "snapshots": [{"name": s.name, "moref": s.moref, "created": s.created} for s in mt.snapshots]}
    if mt.snapshots:
        return verdict(Status.FAIL, "found", evidence, name=mt.name, count=len(mt.snapshots), snapshots=[s.name for s in mt.snapshots])
    return verdict(Status.PASS, "none", evidence, name=mt.name)


def decide_scsi_controller(ctx: CheckContext) -> Verdict:
    _, mt = master_target(ctx)
    if isinstance(mt, Verdict):
        return mt
    controllers = [{"label": c.label, "type": c.kind, "bus": c.bus} for c in mt.controllers]
    evidence = {"vm": mt.ref, "controllers": controllers}
    pvscsi = [c.label for c in mt.controllers if c.kind == "pvscsi"]
    if pvscsi:
        return verdict(Status.FAIL, "pvscsi", evidence, name=mt.name, controllers=pvscsi)
    other = [f"{c.label} ({c.kind})" for c in mt.controllers if not c.kind.startswith("lsilogic")]
    if other:
        return verdict(Status.FAIL, "not-lsi", evidence, name=mt.name, controllers=other)
    if not mt.controllers:
        return verdict(Status.FAIL, "no-scsi", evidence, name=mt.name)
    return verdict(Status.PASS, "lsi", evidence, name=mt.name, controllers=[f"{c.label} ({c.kind})" for c in mt.controllers])


def decide_disk_uuid_clash(ctx: CheckContext) -> Verdict:
    inv, mt = master_target(ctx)
    if isinstance(mt, Verdict):
        return mt
    vms, missing = failback_vms(inv, ctx)
    mine = {d.uuid.lower(): d for d in mt.disks if d.uuid}
    clashes = []
    for vm in vms:
        for disk in vm.disks:
            hit = mine.get(disk.uuid.lower()) if disk.uuid else None
            if hit is not None:
                clashes.append({"uuid": disk.uuid, "master_target_disk": hit.label, "vm": vm.name, "vm_disk": disk.label})
    evidence = {"clashes": clashes, "compared_vms": [vm.name for vm in vms], "not_in_vcenter": list(missing)}
    if clashes:
        shown = [f"{c['master_target_disk']} = {c['vm']} {c['vm_disk']}" for c in clashes]
        return verdict(Status.FAIL, "clash", evidence, name=mt.name, clashes=shown)
    return verdict(Status.PASS, "unique", evidence, name=mt.name, count=len(vms))


# --- step 3: never Storage vMotion ---------------------------------------------------


def decide_storage_vmotion(ctx: CheckContext) -> Verdict:
    inv, mt = master_target(ctx)
    if isinstance(mt, Verdict):
        return mt
    vms, missing = failback_vms(inv, ctx)
    recovery = ctx.settings.site.recovery
    pods = pods_to_cover(inv, mt, vms, recovery)
    datastores = {vm.name: inv.datastore_names(vm.datastores) for vm in [mt, *vms]}
    if not pods:
        return verdict(Status.PASS, "not-in-pod", {"vm": mt.ref, "datastores": datastores, "recovery": recovery,
                                                   "not_in_vcenter": list(missing)}, name=mt.name)
    entries, exposed, manual, off = storage_drs_exposure(inv, mt, pods)
    evidence = {"vm": mt.ref, "pods": entries, "datastores": datastores, "recovery": recovery,
                "not_in_vcenter": list(missing)}
    if exposed:
        return verdict(Status.FAIL, "automated", evidence, name=mt.name, pods=exposed)
    if manual:
        return verdict(Status.WARN, "manual-mode", evidence, name=mt.name, pods=manual)
    excluded = [e["pod"] for e in entries if e["pod"] not in off]
    if off:
        return verdict(Status.PASS, "sdrs-off", evidence, name=mt.name, off=off, pods=excluded)
    return verdict(Status.PASS, "excluded", evidence, name=mt.name, pods=excluded)


# --- steps 4 and 5: the retention volume ------------------------------------------------


def _volume_key(path: str, family: str) -> str:
    """One spelling per volume. Site Recovery names a Windows volume by its bare letter ("R"), the
    guest and operators write "R:" or "R:\\"; a Linux volume is its mount point, with or without "/"."""
    if family == "windows":
        return path.strip().rstrip("\\/").rstrip(":").upper()
    stripped = path.strip().rstrip("/")
    return stripped or "/"


def _volume_problems(key: str, volume: GuestVolume, family: str) -> list[str]:
    """Why a guest volume cannot hold retention data: the agent's own volume, FAT, no capacity."""
    problems = []
    if key == OS_VOLUME[family]:
        problems.append("os-volume")
    if volume.filesystem.lower() in FAT:
        problems.append("fat")
    if volume.capacity <= 0:
        problems.append("no-capacity")
    return problems


def decide_retention_volume(ctx: CheckContext) -> Verdict:
    _, mt = master_target(ctx)
    if isinstance(mt, Verdict):
        return mt
    family = os_of(mt).family or "windows"
    configured = ctx.settings.site.retention_volume
    azure = azure_master_target(ctx)
    listed: list[str] | None = None
    if azure is not None:
        listed = [str(v) for v in azure.get("retention_volumes") or ()]
    guest = {_volume_key(v.path, family): v for v in mt.guest_volumes}
    # Unless one is configured, any volume Site Recovery lists and the guest shows eligible will do:
    # reprotect takes a listed one (recorded vaults list "D", "E", "F"...). Else the default place.
    wanted = configured or DEFAULT_RETENTION[family]
    if not configured and listed:
        usable = [v for v in listed if _volume_key(v, family) in guest
                  and not _volume_problems(_volume_key(v, family), guest[_volume_key(v, family)], family)]
        wanted = usable[0] if usable else listed[0]
    key = _volume_key(wanted, family)
    in_site_recovery = listed is not None and any(_volume_key(v, family) == key for v in listed)
    volumes = [{"path": v.path, "filesystem": v.filesystem, "capacity_gb": round(v.capacity / 2**30, 1),
                "free_gb": round(v.free / 2**30, 1)} for v in mt.guest_volumes]
    evidence: dict[str, object] = {
        "vm": mt.ref,
        "volume": wanted,
        "volume_from": "site.retention_volume" if configured else ("site-recovery" if listed else "default"),
        "guest_volumes": volumes,
        "tools": mt.tools_running,
        "site_recovery_volumes": listed,
    }
    if not mt.guest_volumes:
        if in_site_recovery:
            return verdict(Status.PASS, "listed-only", evidence, name=mt.name, volume=wanted)
        return verdict(Status.ERROR, "no-guest-info", evidence, name=mt.name, volume=wanted)
    match = guest.get(key)
    if match is None:
        added = [d.file_name for d in mt.disks if d.file_name.endswith(RETENTION_SUFFIX)]
        if added:
            evidence["retention_disks"] = added
            return verdict(Status.FAIL, "not-formatted", evidence, name=mt.name, volume=wanted, disk=added[0])
        return verdict(Status.FAIL, "missing", evidence, name=mt.name, volume=wanted, volumes=[v.path for v in mt.guest_volumes])
    problems = _volume_problems(key, match, family)
    evidence["problems"] = problems
    if problems:
        return verdict(Status.FAIL, "ineligible", evidence, name=mt.name, volume=wanted,
                       parts=[{"key": p} for p in problems], filesystem=match.filesystem or "-")
    if listed is None:
        return verdict(Status.PASS, "eligible", evidence, name=mt.name, volume=wanted, filesystem=match.filesystem, capacity_gb=volumes[mt.guest_volumes.index(match)]["capacity_gb"])
    if not in_site_recovery:
        return verdict(Status.WARN, "not-in-site-recovery", evidence, name=mt.name, volume=wanted)
    return verdict(Status.PASS, "eligible-listed", evidence, name=mt.name, volume=wanted, filesystem=match.filesystem)


# --- step 6: VMware Tools -----------------------------------------------------------------


def decide_vmware_tools(ctx: CheckContext) -> Verdict:
    _, mt = master_target(ctx)
    if isinstance(mt, Verdict):
        return mt
    evidence = {"vm": mt.ref, "running_status": mt.tools_running, "version_status": mt.tools_version_status, "version": mt.tools_version, "power_state": mt.power_state}
    if mt.tools_version_status == "guestToolsNotInstalled":
        return verdict(Status.FAIL, "not-installed", evidence, name=mt.name)
    if mt.tools_running != "guestToolsRunning":
        return verdict(Status.FAIL, "not-running", evidence, name=mt.name, state=mt.tools_running or "-", power=mt.power_state or "-")
    return verdict(Status.PASS, "running", evidence, name=mt.name, version=mt.tools_version or "-")


# --- step 7: disk.EnableUUID ----------------------------------------------------------------


def decide_disk_enableuuid(ctx: CheckContext) -> Verdict:
    _, mt = master_target(ctx)
    if isinstance(mt, Verdict):
        return mt
    value = mt.extra("disk.EnableUUID")
    evidence = {"vm": mt.ref, "disk.EnableUUID": value}
    if mt.enable_uuid:
        return verdict(Status.PASS, "true", evidence, name=mt.name)
    if value is None:
        return verdict(Status.FAIL, "absent", evidence, name=mt.name)
    return verdict(Status.FAIL, "false", evidence, name=mt.name, value=value)


# --- step 8: access to the VMs' datastores, or room for new VMs ------------------------------


def decide_datastore_access(ctx: CheckContext) -> Verdict:
    if ctx.settings.site.recovery != "original":
        return verdict(Status.SKIP, "not-original", {"recovery": ctx.settings.site.recovery})
    found = master_target_host(ctx)
    if isinstance(found, Verdict):
        return found
    inv, mt, host = found
    vms, missing = failback_vms(inv, ctx)
    rows = []
    blocked = []
    for vm in vms:
        for moref in vm.datastores:
            ds = inv.datastores.get(moref)
            mount = ds.mounts.get(host.moref) if ds else None
            ok = bool(mount and mount.access_mode == "readWrite" and mount.accessible and mount.mounted)
            rows.append(
                {
                    "vm": vm.name,
                    "datastore": ds.name if ds else moref,
                    "mounted_on_mt_host": mount is not None,
                    "access_mode": mount.access_mode if mount else None,
                    "accessible": mount.accessible if mount else None,
                    "ok": ok,
                }
            )
            if not ok:
                blocked.append(f"{vm.name}: {ds.name if ds else moref}")
    evidence = {"master_target_host": host.name, "datastores": rows, "not_in_vcenter": list(missing)}
    if blocked:
        return verdict(Status.FAIL, "blocked", evidence, host=host.name, blocked=blocked)
    if missing:
        return verdict(Status.WARN, "partial", evidence, host=host.name, missing=missing_text(missing))
    return verdict(Status.PASS, "read-write", evidence, host=host.name, count=len(rows))


def decide_host_capacity(ctx: CheckContext) -> Verdict:
    if ctx.settings.site.recovery != "alternate":
        return verdict(Status.SKIP, "not-alternate", {"recovery": ctx.settings.site.recovery})
    found = master_target_host(ctx)
    if isinstance(found, Verdict):
        return found
    inv, mt, host = found
    on_host = {inv.vm_name(m) for m in host.vms}
    same_named = [n for n in ctx.settings.site.failback_vms if n in on_host]
    vms, missing = failback_vms(inv, ctx)
    needed = sum(vm.memory_mb for vm in vms)
    evidence = {
        "host": host.name,
        "same_named_vms": same_named,
        "free_memory_mb": host.free_memory_mb,
        "needed_memory_mb": needed,
        "memory_unknown_for": list(missing),
    }
    if same_named:
        return verdict(Status.FAIL, "same-name", evidence, host=host.name, vms=same_named)
    if needed > host.free_memory_mb:
        return verdict(Status.FAIL, "memory", evidence, host=host.name, needed=needed, free=host.free_memory_mb)
    if missing:
        return verdict(Status.WARN, "memory-partial", evidence, host=host.name, needed=needed, free=host.free_memory_mb, missing=list(missing))
    return verdict(Status.PASS, "room", evidence, host=host.name, needed=needed, free=host.free_memory_mb)


# --- step 10: a VMFS datastore on the MT's host ------------------------------------------------


def decide_vmfs_datastore(ctx: CheckContext) -> Verdict:
    found = master_target_host(ctx)
    if isinstance(found, Verdict):
        return found
    inv, mt, host = found
    stores = [inv.datastores[d] for d in host.datastores if d in inv.datastores]
    rows = [{"name": ds.name, "type": ds.type, "accessible": ds.accessible} for ds in stores]
    evidence = {"host": host.name, "datastores": rows}
    vmfs = [ds.name for ds in stores if ds.type.upper() == "VMFS" and ds.accessible]
    if vmfs:
        return verdict(Status.PASS, "found", evidence, host=host.name, datastores=vmfs)
    return verdict(Status.FAIL, "none", evidence, host=host.name, datastores=[f"{ds.name} ({ds.type})" for ds in stores])


CHECKS: tuple[Check, ...] = (
    Check("mt.os-match", MT, 2, reads=(*BOTH, "azure.failback-os"), decide=decide_os_match),
    Check("mt.disk-count", MT, 1, reads=INVENTORY, decide=decide_disk_count),
    Check("mt.no-snapshots", MT, 1, reads=INVENTORY, decide=decide_no_snapshots, fixes=("mt.remove-snapshots",)),
    Check("mt.scsi-controller", MT, 1, reads=INVENTORY, decide=decide_scsi_controller),
    Check("mt.disk-uuid-clash", MT, 2, reads=INVENTORY, decide=decide_disk_uuid_clash),
    Check("mt.storage-vmotion", MT, 3, reads=INVENTORY, decide=decide_storage_vmotion, fixes=("mt.exclude-storage-drs",)),
    # Step 4 (the disk) and step 5 (Site Recovery lists it): a new disk is added by the fix-it, one
    # only the vault does not list yet is refreshed; one not formatted is the operator's, in the guest.
    Check("mt.retention-volume", MT, 4, reads=BOTH, decide=decide_retention_volume, fixes=("mt.add-retention-disk", "cs.refresh"),
          fix_keys={"missing": ("mt.add-retention-disk",), "ineligible": ("mt.add-retention-disk",),
                    "not-in-site-recovery": ("cs.refresh",)}, also_steps=(5,)),
    Check("mt.vmware-tools", MT, 6, reads=INVENTORY, decide=decide_vmware_tools),
    Check("mt.disk-enableuuid", MT, 7, reads=INVENTORY, decide=decide_disk_enableuuid, fixes=("mt.set-disk-enableuuid",)),
    Check("mt.datastore-access", MT, 8, reads=INVENTORY, decide=decide_datastore_access),
    Check("mt.vmfs-datastore", MT, 10, reads=INVENTORY, decide=decide_vmfs_datastore),
    Check("mt.host-capacity", MT, 8, reads=INVENTORY, decide=decide_host_capacity),
)
