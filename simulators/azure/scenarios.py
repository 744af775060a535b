"""Vault contents of the emulator, as plain dicts in the ARM wire format.

Every scenario describes the site of ``simulators/SITE.md``.  A scenario is built by
``build(name, ids)`` into a *state* dict::

    {
      "fabrics":    [Fabric resource, ...],
      "containers": [ProtectionContainer resource, ...],      # "_fabric" = fabric name
      "mappings":   [ProtectionContainerMapping resource, ...],# "_fabric", "_container"
      "policies":   [Policy resource, ...],
      "items":      [ReplicationProtectedItem resource, ...],  # "_fabric", "_container"
      "vcenters":   [VCenter resource, ...],                   # "_fabric"
      "providers":  [RecoveryServicesProvider resource, ...],  # "_fabric"
      "jobs":       [Job resource, ...],
      "pending_retention": [{"fabric", "mt", "volume"}],       # appear on refreshProvider
      "deny_access": False,                                    # True -> 403 AuthorizationFailed
    }

Keys starting with ``_`` are internal and never sent.  Time stamps are ``Ago``
markers, rendered as ISO-8601 UTC at request time (so "fresh" stays fresh).
"""

from __future__ import annotations

import copy
import hashlib
import uuid
from dataclasses import dataclass

AGENT_VERSION = "9.55.6765.1"
NEWER_AGENT_VERSION = "9.60.0.1"
PROVIDER_VERSION = "5.24.0902.1"
_NS = uuid.UUID("6f1c2a57-3b9e-4d0a-8e55-2c4b7d9a1f30")

SCENARIOS = ("healthy-classic", "broken-classic", "modernized", "scale", "denied")


@dataclass(frozen=True)
class Ago:
    """A time stamp ``seconds`` before the moment the payload is served."""

    seconds: float


def minutes_ago(m: float) -> Ago:
    return Ago(m * 60)


def uid(*parts: str) -> str:
    return str(uuid.uuid5(_NS, "/".join(parts)))


def hexname(*parts: str) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()


@dataclass(frozen=True)
class Ids:
    subscription_id: str
    resource_group: str
    vault: str
    tenant_id: str

    @property
    def vault_id(self) -> str:
        # Site Recovery answers with a capital S, like the real service.
        return (
            f"/Subscriptions/{self.subscription_id}/resourceGroups/{self.resource_group}"
            f"/providers/Microsoft.RecoveryServices/vaults/{self.vault}"
        )

    def arm(self, rg: str, provider_path: str) -> str:
        return f"/subscriptions/{self.subscription_id}/resourceGroups/{rg}/providers/{provider_path}"


T = "Microsoft.RecoveryServices/vaults/"

# --- the site (SITE.md) ------------------------------------------------------------
CS_NAME = "cs01"
CS_IP = "10.0.0.10"
PS_NAME = "ps-azure01"
PS_IP = "10.1.0.4"
VCENTER_NAME = "vcenter01"
VCENTER_IP = "10.0.0.5"
AZURE_NET = "10.1.0.0/24"
DATASTORE = "LocalDS_0"

VMS = [
    # name, osType, osVersion, Azure IP, on-prem IP, disks, group
    ("app01", "Windows", "Windows Server 2016", "10.1.0.11", "10.0.0.21", 1, "grp-win"),
    ("db01", "Windows", "Windows Server 2016", "10.1.0.12", "10.0.0.22", 2, "grp-win"),
    ("web01", "Linux", "RHEL 7", "10.1.0.21", "10.0.0.31", 1, "grp-lnx"),
    ("web02", "Linux", "RHEL 7", "10.1.0.22", "10.0.0.32", 1, "grp-lnx"),
]


def _health_error(code: str, summary: str, action: str, level: str = "Error", minutes: float = 30) -> dict:
    return {
        "errorSource": "InMage",
        "errorType": "Health",
        "errorLevel": level,
        "errorCategory": "Configuration",
        "errorCode": code,
        "summaryMessage": summary,
        "errorMessage": summary,
        "possibleCauses": summary,
        "recommendedAction": action,
        "creationTimeUtc": minutes_ago(minutes),
        "customerResolvability": "Allowed",
        "innerHealthErrors": [],
    }


def _res(ids: Ids, rel: str, rtype: str, name: str, props: dict, **internal) -> dict:
    r = {
        "id": f"{ids.vault_id}/{rel}",
        "name": name,
        "type": T + rtype,
        "location": None,
        "properties": props,
    }
    r.update({f"_{k}": v for k, v in internal.items()})
    return r


# --- classic -----------------------------------------------------------------------
def _classic(ids: Ids) -> dict:
    cs_fabric = hexname("fabric", CS_NAME)
    az_fabric = "Azure"
    cs_container = "cloud_" + uid("container", CS_NAME)
    az_container = "cloud_" + uid("container", "azure")
    fabric_rel = f"replicationFabrics/{cs_fabric}"
    container_rel = f"{fabric_rel}/replicationProtectionContainers/{cs_container}"
    az_container_id = f"{ids.vault_id}/replicationFabrics/{az_fabric}/replicationProtectionContainers/{az_container}"
    cs_container_id = f"{ids.vault_id}/{container_rel}"

    ps_cs_id = uid("ps", CS_NAME)
    ps_azure_id = uid("ps", PS_NAME)
    mt_win_id = uid("mt", "mt-win01")
    mt_lnx_id = uid("mt", "mt-lnx01")
    runas = [
        {"accountId": "1", "accountName": "vcenter-admin"},
        {"accountId": "2", "accountName": "windows-admin"},
        {"accountId": "3", "accountName": "linux-root"},
    ]

    def datastores() -> list:
        return [
            {
                "symbolicName": DATASTORE,
                "uuid": "5f2a9c1e-0b3d4e5f-6a7b-001122334455",
                "capacity": "1024",
                "freeSpace": "612",
                "type": "vmfs",
            }
        ]

    def ps(name, pid, ip, os_type="Windows", os_version="Windows Server 2016"):
        return {
            "friendlyName": name,
            "id": pid,
            "ipAddress": ip,
            "osType": os_type,
            "osVersion": os_version,
            "agentVersion": AGENT_VERSION,
            "lastHeartbeat": minutes_ago(1),
            "versionStatus": "Supported",
            "hostId": uid("host", name),
            "machineCount": "4",
            "replicationPairCount": "4",
            "systemLoad": "1",
            "systemLoadStatus": "Healthy",
            "cpuLoad": "12",
            "cpuLoadStatus": "Healthy",
            "totalMemoryInBytes": 17179869184,
            "availableMemoryInBytes": 9663676416,
            "memoryUsageStatus": "Healthy",
            "totalSpaceInBytes": 644245094400,
            "availableSpaceInBytes": 429496729600,
            "spaceUsageStatus": "Healthy",
            "psServiceStatus": "Running",
            "sslCertExpiryRemainingDays": 600,
            "healthErrors": [],
            "agentVersionDetails": {"version": AGENT_VERSION, "status": "Supported"},
            "health": "Normal",
            "psStatsRefreshTime": minutes_ago(2),
            "throughputStatus": "Healthy",
            "marsCommunicationStatus": "Connected",
            "marsRegistrationStatus": "Registered",
        }

    def mt(name, mid, ip, os_type, os_version, retention, disk_count):
        return {
            "id": mid,
            "ipAddress": ip,
            "name": name,
            "osType": os_type,
            "osVersion": os_version,
            "agentVersion": AGENT_VERSION,
            "lastHeartbeat": minutes_ago(1),
            "versionStatus": "Supported",
            "retentionVolumes": retention,
            "dataStores": datastores(),
            "validationErrors": [],
            "healthErrors": [],
            "diskCount": disk_count,
            "agentVersionDetails": {"version": AGENT_VERSION, "status": "Supported"},
        }

    vmware = {
        "instanceType": "VMware",
        "processServers": [
            ps(CS_NAME, ps_cs_id, CS_IP),
            ps(PS_NAME, ps_azure_id, PS_IP),
        ],
        "masterTargetServers": [
            mt(
                "mt-win01", mt_win_id, "10.0.0.41", "Windows", "Windows Server 2016",
                [{"volumeName": "R:\\", "capacityInBytes": 536870912000,
                  "freeSpaceInBytes": 483183820800, "thresholdPercentage": 80}],
                3,
            ),
            mt(
                "mt-lnx01", mt_lnx_id, "10.0.0.42", "Linux", "RHEL 7",
                [{"volumeName": "/mnt/retention", "capacityInBytes": 536870912000,
                  "freeSpaceInBytes": 483183820800, "thresholdPercentage": 80}],
                3,
            ),
        ],
        "runAsAccounts": runas,
        "replicationPairCount": "4",
        "processServerCount": "2",
        "agentCount": "6",
        "protectedServers": "4",
        "systemLoad": "1",
        "systemLoadStatus": "Healthy",
        "cpuLoad": "9",
        "cpuLoadStatus": "Healthy",
        "totalMemoryInBytes": 17179869184,
        "availableMemoryInBytes": 8589934592,
        "memoryUsageStatus": "Healthy",
        "totalSpaceInBytes": 644245094400,
        "availableSpaceInBytes": 322122547200,
        "spaceUsageStatus": "Healthy",
        "webLoad": "3",
        "webLoadStatus": "Healthy",
        "databaseServerLoad": "2",
        "databaseServerLoadStatus": "Healthy",
        "csServiceStatus": "Running",
        "ipAddress": CS_IP,
        "agentVersion": AGENT_VERSION,
        "hostName": CS_NAME,
        "lastHeartbeat": minutes_ago(1),
        "versionStatus": "Supported",
        "sslCertExpiryRemainingDays": 600,
        "psTemplateVersion": "1.0.0.0",
        "agentVersionDetails": {"version": AGENT_VERSION, "status": "Supported"},
    }

    fabrics = [
        _res(ids, fabric_rel, "replicationFabrics", cs_fabric, {
            "friendlyName": CS_NAME,
            "encryptionDetails": {"kekState": "None"},
            "internalIdentifier": uid("fabric-internal", CS_NAME),
            "bcdrState": "Valid",
            "customDetails": vmware,
            "healthErrorDetails": [],
            "health": "Normal",
        }),
        _res(ids, f"replicationFabrics/{az_fabric}", "replicationFabrics", az_fabric, {
            "friendlyName": "Microsoft Azure",
            "internalIdentifier": uid("fabric-internal", "azure"),
            "bcdrState": "Valid",
            "customDetails": {"instanceType": "Azure", "location": "eastus", "containerIds": [az_container_id]},
            "healthErrorDetails": [],
            "health": "Normal",
        }),
    ]
    containers = [
        _res(ids, container_rel, "replicationFabrics/replicationProtectionContainers", cs_container, {
            "fabricFriendlyName": CS_NAME,
            "friendlyName": CS_NAME,
            "fabricType": "VMware",
            "protectedItemCount": 4,
            "pairingStatus": "Paired",
            "role": "Primary",
            "fabricSpecificDetails": {"instanceType": "VMware"},
        }, fabric=cs_fabric),
        _res(ids, f"replicationFabrics/{az_fabric}/replicationProtectionContainers/{az_container}",
             "replicationFabrics/replicationProtectionContainers", az_container, {
            "fabricFriendlyName": "Microsoft Azure",
            "friendlyName": "Microsoft Azure",
            "fabricType": "Azure",
            "protectedItemCount": 0,
            "pairingStatus": "Paired",
            "role": "Recovery",
        }, fabric=az_fabric),
    ]

    fwd_policy = "replication-policy"
    fb_policy = "failback-policy"
    fwd_policy_id = f"{ids.vault_id}/replicationPolicies/{fwd_policy}"
    fb_policy_id = f"{ids.vault_id}/replicationPolicies/{fb_policy}"
    policies = [
        _res(ids, f"replicationPolicies/{fwd_policy}", "replicationPolicies", fwd_policy, {
            "friendlyName": fwd_policy,
            "providerSpecificDetails": {
                "instanceType": "InMageAzureV2",
                "crashConsistentFrequencyInMinutes": 5,
                "recoveryPointThresholdInMinutes": 15,
                "recoveryPointHistory": 1440,
                "appConsistentFrequencyInMinutes": 60,
                "multiVmSyncStatus": "Enabled",
            },
        }),
        _res(ids, f"replicationPolicies/{fb_policy}", "replicationPolicies", fb_policy, {
            "friendlyName": fb_policy,
            "providerSpecificDetails": {
                "instanceType": "InMage",
                "recoveryPointThresholdInMinutes": 15,
                "recoveryPointHistory": 1440,
                "appConsistentFrequencyInMinutes": 60,
                "multiVmSyncStatus": "Enabled",
            },
        }),
    ]
    mapping_type = "replicationFabrics/replicationProtectionContainers/replicationProtectionContainerMappings"
    mappings = [
        _res(ids, f"{container_rel}/replicationProtectionContainerMappings/replication-mapping", mapping_type,
             "replication-mapping", {
            "targetProtectionContainerId": az_container_id,
            "targetProtectionContainerFriendlyName": "Microsoft Azure",
            "health": "Normal",
            "healthErrorDetails": [],
            "policyId": fwd_policy_id,
            "state": "Paired",
            "sourceProtectionContainerFriendlyName": CS_NAME,
            "sourceFabricFriendlyName": CS_NAME,
            "targetFabricFriendlyName": "Microsoft Azure",
            "policyFriendlyName": fwd_policy,
        }, fabric=cs_fabric, container=cs_container),
        _res(ids, f"{container_rel}/replicationProtectionContainerMappings/failback-mapping", mapping_type,
             "failback-mapping", {
            "targetProtectionContainerId": cs_container_id,
            "targetProtectionContainerFriendlyName": CS_NAME,
            "health": "Normal",
            "healthErrorDetails": [],
            "policyId": fb_policy_id,
            "state": "Paired",
            "sourceProtectionContainerFriendlyName": CS_NAME,
            "sourceFabricFriendlyName": CS_NAME,
            "targetFabricFriendlyName": CS_NAME,
            "policyFriendlyName": fb_policy,
        }, fabric=cs_fabric, container=cs_container),
    ]

    vnet_id = ids.arm("rg-recovery-net", "Microsoft.Network/virtualNetworks/vnet-recovery")

    def item(name, os_type, os_version, az_ip, src_ip, disks, group):
        iname = uid("item", name)
        rel = f"{container_rel}/replicationProtectedItems/{iname}"
        vm_id = ids.arm("rg-recovery", f"Microsoft.Compute/virtualMachines/{name}")
        return _res(ids, rel, "replicationFabrics/replicationProtectionContainers/replicationProtectedItems", iname, {
            "friendlyName": name,
            "protectedItemType": "ProtectionEntity",
            "protectableItemId": f"{cs_container_id}/replicationProtectableItems/{uid('protectable', name)}",
            "recoveryServicesProviderId": f"{ids.vault_id}/{fabric_rel}/replicationRecoveryServicesProviders/{uid('provider', CS_NAME)}",
            "primaryFabricFriendlyName": CS_NAME,
            "primaryFabricProvider": "VMware",
            "recoveryFabricFriendlyName": "Microsoft Azure",
            "recoveryFabricId": f"{ids.vault_id}/replicationFabrics/{az_fabric}",
            "primaryProtectionContainerFriendlyName": CS_NAME,
            "recoveryProtectionContainerFriendlyName": "Microsoft Azure",
            "protectionState": "UnplannedFailoverCommitted",
            "protectionStateDescription": "Failover committed",
            "activeLocation": "Recovery",
            "testFailoverState": "None",
            "testFailoverStateDescription": "None",
            "allowedOperations": ["ReverseReplicate", "DisableProtection"],
            "replicationHealth": "Normal",
            "failoverHealth": "Normal",
            "healthErrors": [],
            "policyId": fwd_policy_id,
            "policyFriendlyName": fwd_policy,
            "lastSuccessfulFailoverTime": minutes_ago(180),
            "currentScenario": {"scenarioName": "None", "jobId": "None", "startTime": "1753-01-01T01:01:01Z"},
            "recoveryContainerId": az_container_id,
            "providerSpecificDetails": {
                "instanceType": "InMageAzureV2",
                "infrastructureVmId": f"vm-{100 + VMS_INDEX.get(name, 0)}",
                "vCenterInfrastructureId": uid("vcenter", VCENTER_NAME),
                "protectionStage": "Failover committed",
                "vmId": uid("vmid", name),
                "vmProtectionState": "UnplannedFailoverCommitted",
                "vmProtectionStateDescription": "Failover committed",
                "ipAddress": src_ip,
                "agentVersion": AGENT_VERSION,
                "isAgentUpdateRequired": "False",
                "isRebootAfterUpdateRequired": "False",
                "lastHeartbeat": minutes_ago(2),
                "processServerId": ps_azure_id,
                "processServerName": PS_NAME,
                "multiVmGroupId": uid("group", group),
                "multiVmGroupName": group,
                "multiVmSyncStatus": "Enabled",
                "protectedDisks": [
                    {
                        "diskId": "6000C29" + hexname("disk", name, str(d))[:25].upper(),
                        "diskName": f"[{DATASTORE}] {name}/{name}{'' if d == 0 else '_' + str(d)}.vmdk",
                        "protectionStage": "Failover committed",
                        "diskCapacityInBytes": 64424509440,
                        "diskResized": "False",
                    }
                    for d in range(disks)
                ],
                "diskResized": "False",
                "masterTargetId": uid("azure-mt", name),
                "sourceVmCpuCount": 2,
                "sourceVmRamSizeInMB": 4096,
                "osType": os_type,
                "osVersion": os_version,
                "osName": os_version,
                "recoveryAzureVMName": name,
                "recoveryAzureVMSize": "Standard_D2s_v3",
                "vmNics": [
                    {
                        "nicId": uid("nic", name),
                        "vMNetworkName": "VM Network",
                        "recoveryVMNetworkId": vnet_id,
                        "ipConfigs": [
                            {
                                "name": "ipconfig1",
                                "isPrimary": True,
                                "subnetName": "VM Network",
                                "staticIPAddress": src_ip,
                                "ipAddressType": "Static",
                                "isSeletedForFailover": True,
                                "recoverySubnetName": "snet-failover",
                                "recoveryStaticIPAddress": az_ip,
                                "recoveryIPAddressType": "Static",
                            }
                        ],
                        "selectionType": "SelectedByUser",
                        "recoveryNicName": f"{name}-nic",
                        "recoveryNicResourceGroupName": "rg-recovery",
                    }
                ],
                "selectedRecoveryAzureNetworkId": vnet_id,
                "discoveryType": "vCenter",
                "datastores": [DATASTORE],
                "targetVmId": vm_id,
                "recoveryAzureResourceGroupId": f"/subscriptions/{ids.subscription_id}/resourceGroups/rg-recovery",
                "useManagedDisks": "True",
                "licenseType": "NoLicenseType",
                "validationErrors": [],
                "lastRpoCalculatedTime": minutes_ago(180),
                "lastUpdateReceivedTime": minutes_ago(180),
                "firmwareType": "BIOS",
                "azureVmGeneration": "1",
            },
        }, fabric=cs_fabric, container=cs_container)

    items = [item(*vm) for vm in VMS]

    provider_name = uid("provider", CS_NAME)
    providers = [
        _res(ids, f"{fabric_rel}/replicationRecoveryServicesProviders/{provider_name}",
             "replicationFabrics/replicationRecoveryServicesProviders", provider_name, {
            "fabricType": "VMware",
            "friendlyName": CS_NAME,
            "providerVersion": PROVIDER_VERSION,
            "serverVersion": AGENT_VERSION,
            "providerVersionState": "Latest",
            "fabricFriendlyName": CS_NAME,
            "lastHeartBeat": minutes_ago(1),
            "connectionStatus": "Connected",
            "protectedItemCount": 4,
            "allowedScenarios": ["Refresh"],
            "healthErrorDetails": [],
            "draIdentifier": uid("dra", CS_NAME),
            "machineId": uid("machine", CS_NAME),
            "machineName": CS_NAME,
            "biosId": uid("bios", CS_NAME),
            "providerVersionDetails": {"version": PROVIDER_VERSION, "status": "Supported"},
        }, fabric=cs_fabric),
    ]
    vc_name = uid("vcenter", VCENTER_NAME)
    vcenters = [
        _res(ids, f"{fabric_rel}/replicationvCenters/{vc_name}", "replicationFabrics/replicationvCenters", vc_name, {
            "friendlyName": VCENTER_NAME,
            "internalId": uid("vcenter-internal", VCENTER_NAME),
            "lastHeartbeat": minutes_ago(3),
            "discoveryStatus": "Connected",
            "processServerId": ps_cs_id,
            "ipAddress": VCENTER_IP,
            "infrastructureId": uid("vcenter", VCENTER_NAME),
            "port": "443",
            "runAsAccountId": "1",
            "fabricArmResourceName": cs_fabric,
            "healthErrors": [],
        }, fabric=cs_fabric),
    ]
    return {
        "architecture": "classic",
        "fabrics": fabrics,
        "containers": containers,
        "mappings": mappings,
        "policies": policies,
        "items": items,
        "vcenters": vcenters,
        "providers": providers,
        "jobs": [],
        "pending_retention": [],
        "deny_access": False,
        "_make_item": item,
    }


VMS_INDEX = {vm[0]: i for i, vm in enumerate(VMS)}


def _find(seq, **props):
    for r in seq:
        if all(r["properties"].get(k) == v for k, v in props.items()):
            return r
    raise KeyError(props)


def _broken(ids: Ids) -> dict:
    s = _classic(ids)
    vm = s["fabrics"][0]["properties"]["customDetails"]
    # CS: heartbeat 2 h old, service stopped.
    vm["lastHeartbeat"] = minutes_ago(120)
    vm["csServiceStatus"] = "Stopped"
    # The Azure PS: stale heartbeat, health errors, address outside 10.1.0.0/24.
    ps = next(p for p in vm["processServers"] if p["friendlyName"] == PS_NAME)
    ps["lastHeartbeat"] = minutes_ago(45)
    ps["ipAddress"] = "192.168.50.4"
    ps["psServiceStatus"] = "Stopped"
    ps["health"] = "Critical"
    ps["healthErrors"] = [
        _health_error("78140", "The process server has not sent a heartbeat for over 30 minutes.",
                      "Make sure the process server is running and can reach the configuration server on port 443."),
    ]
    # mt-win01: health + validation error, agent newer than PS/CS.
    mts = {m["name"]: m for m in vm["masterTargetServers"]}
    win = mts["mt-win01"]
    win["agentVersion"] = NEWER_AGENT_VERSION
    win["agentVersionDetails"] = {"version": NEWER_AGENT_VERSION, "status": "Supported"}
    win["healthErrors"] = [
        _health_error("78122", "The master target server has a pending reboot.",
                      "Restart the master target server."),
    ]
    win["validationErrors"] = [
        _health_error("78150", "The master target server uses a paravirtual SCSI controller.",
                      "Use an LSI Logic controller for the master target.", level="Warning"),
    ]
    # mt-lnx01: the retention volume was added but is not listed yet; refreshProvider brings it.
    lnx = mts["mt-lnx01"]
    pending = lnx["retentionVolumes"][0]
    lnx["retentionVolumes"] = []
    s["pending_retention"].append({"fabric": s["fabrics"][0]["name"], "mt": "mt-lnx01", "volume": pending})
    # Failback policy with other values than 15 min / 24 h / 60 min.
    fb = _find(s["policies"], friendlyName="failback-policy")["properties"]["providerSpecificDetails"]
    fb.update(recoveryPointThresholdInMinutes=30, recoveryPointHistory=720, appConsistentFrequencyInMinutes=120)
    # db01 missing from the vault.
    s["items"] = [i for i in s["items"] if i["properties"]["friendlyName"] != "db01"]
    # web02 (Linux) sits in the Windows group -> grp-win is mixed.
    web02 = _find(s["items"], friendlyName="web02")["properties"]["providerSpecificDetails"]
    web02["multiVmGroupName"] = "grp-win"
    web02["multiVmGroupId"] = uid("group", "grp-win")
    # web01 is not failed over: still replicating to Azure; reprotect not allowed.
    web01 = _find(s["items"], friendlyName="web01")["properties"]
    web01.update(
        protectionState="Protected",
        protectionStateDescription="Protected",
        activeLocation="Primary",
        allowedOperations=["PlannedFailover", "UnplannedFailover", "TestFailover", "DisableProtection"],
        lastSuccessfulFailoverTime=None,
    )
    web01["providerSpecificDetails"].update(
        vmProtectionState="Protected", vmProtectionStateDescription="Protected", protectionStage="Protected"
    )
    # app01 is failed over but replication health is critical.
    app01 = _find(s["items"], friendlyName="app01")["properties"]
    app01["replicationHealth"] = "Critical"
    app01["healthErrors"] = [
        _health_error("95226", "The Azure virtual machine cannot reach the configuration server.",
                      "Check that the Azure VM can reach the configuration server on port 443."),
    ]
    # vCenter discovery failed.
    vc = s["vcenters"][0]["properties"]
    vc.update(discoveryStatus="Failed", lastHeartbeat=minutes_ago(300))
    vc["healthErrors"] = [
        _health_error("78005", "Discovery of the vCenter server failed.",
                      "Check the vCenter account credentials and that port 443 is open from the configuration server."),
    ]
    # The provider (CS) is not connected.
    pv = s["providers"][0]["properties"]
    pv.update(connectionStatus="NotConnected", lastHeartBeat=minutes_ago(120))
    return s


def _scale(ids: Ids) -> dict:
    s = _classic(ids)
    make = s["_make_item"]
    for n in range(1, 201):
        windows = n % 2 == 1
        group = f"grp-scale-{'win' if windows else 'lnx'}-{(n - 1) // 20:02d}"
        s["items"].append(
            make(
                f"vm{n:03d}",
                "Windows" if windows else "Linux",
                "Windows Server 2016" if windows else "RHEL 7",
                f"10.1.{1 + n // 250}.{n % 250 + 1}",
                f"10.0.{1 + n // 250}.{n % 250 + 1}",
                1,
                group,
            )
        )
    return s


def _modernized(ids: Ids) -> dict:
    site = "vmware-site01"
    appliance = "appliance01"
    fabric = hexname("fabric", site)
    container = "cloud_" + uid("container", site)
    fabric_rel = f"replicationFabrics/{fabric}"
    container_rel = f"{fabric_rel}/replicationProtectionContainers/{container}"
    az_fabric = "Azure"
    az_container = "cloud_" + uid("container", "azure")
    az_container_id = f"{ids.vault_id}/replicationFabrics/{az_fabric}/replicationProtectionContainers/{az_container}"

    def comp(kind: str, extra: dict | None = None) -> dict:
        d = {
            "id": uid(kind, appliance),
            "name": appliance,
            "biosId": uid("bios", appliance),
            "fabricObjectId": uid("fabricobj", appliance),
            "fqdn": f"{appliance}.corp.example",
            "version": "9.62.7172.1",
            "lastHeartbeatUtc": minutes_ago(1),
            "health": "Normal",
            "healthErrors": [],
        }
        d.update(extra or {})
        return d

    ps = comp("ps", {
        "ipAddresses": ["10.0.0.20"],
        "totalMemoryInBytes": 34359738368, "availableMemoryInBytes": 17179869184,
        "usedMemoryInBytes": 17179869184, "memoryUsagePercentage": 50.0,
        "totalSpaceInBytes": 1099511627776, "availableSpaceInBytes": 549755813888,
        "usedSpaceInBytes": 549755813888, "freeSpacePercentage": 50.0,
        "throughputUploadPendingDataInBytes": 0, "throughputInBytes": 1048576,
        "processorUsagePercentage": 10.0, "throughputStatus": "Healthy", "systemLoad": 1,
        "systemLoadStatus": "Healthy", "diskUsageStatus": "Healthy", "memoryUsageStatus": "Healthy",
        "processorUsageStatus": "Healthy", "protectedItemCount": 4, "historicHealth": "Normal",
    })
    ps.pop("version")
    ps["version"] = "9.62.7172.1"
    dra = comp("dra", {"forwardProtectedItemCount": 0, "reverseProtectedItemCount": 0})
    dra.pop("fqdn")
    dra.pop("fabricObjectId")
    rcm = {
        "instanceType": "InMageRcm",
        "vmwareSiteId": ids.arm(ids.resource_group, f"Microsoft.OffAzure/VMwareSites/{site}"),
        "physicalSiteId": ids.arm(ids.resource_group, f"Microsoft.OffAzure/ServerSites/{site}-physical"),
        "serviceEndpoint": "https://eus-rcm.eus.hypervrecoverymanager.windowsazure.com",
        "serviceResourceId": uid("rcm-service", site),
        "serviceContainerId": uid("rcm-container", site),
        "dataPlaneUri": "https://eus-rcm-dp.eus.hypervrecoverymanager.windowsazure.com",
        "controlPlaneUri": "https://eus-rcm-cp.eus.hypervrecoverymanager.windowsazure.com",
        "processServers": [ps],
        "rcmProxies": [comp("rcmproxy", {"clientAuthenticationType": "Aad"})],
        "pushInstallers": [comp("pushinstaller")],
        "replicationAgents": [comp("replicationagent")],
        "reprotectAgents": [comp("reprotectagent", {
            "protectedItemCount": 0,
            "accessibleDatastores": [DATASTORE],
            "vcenterId": uid("vcenter", VCENTER_NAME),
            "lastDiscoveryInUtc": minutes_ago(10),
        })],
        "marsAgents": [comp("marsagent")],
        "dras": [dra],
        "agentDetails": [],
    }
    fabrics = [
        _res(ids, fabric_rel, "replicationFabrics", fabric, {
            "friendlyName": site,
            "internalIdentifier": uid("fabric-internal", site),
            "bcdrState": "Valid",
            "customDetails": rcm,
            "healthErrorDetails": [],
            "health": "Normal",
        }),
        _res(ids, f"replicationFabrics/{az_fabric}", "replicationFabrics", az_fabric, {
            "friendlyName": "Microsoft Azure",
            "bcdrState": "Valid",
            "customDetails": {"instanceType": "Azure", "location": "eastus", "containerIds": [az_container_id]},
            "healthErrorDetails": [],
            "health": "Normal",
        }),
    ]
    containers = [
        _res(ids, container_rel, "replicationFabrics/replicationProtectionContainers", container, {
            "fabricFriendlyName": site, "friendlyName": site, "fabricType": "InMageRcm",
            "protectedItemCount": 4, "pairingStatus": "Paired", "role": "Primary",
        }, fabric=fabric),
    ]
    pol_id = f"{ids.vault_id}/replicationPolicies/replication-policy"
    policies = [
        _res(ids, "replicationPolicies/replication-policy", "replicationPolicies", "replication-policy", {
            "friendlyName": "replication-policy",
            "providerSpecificDetails": {
                "instanceType": "InMageRcm", "recoveryPointHistoryInMinutes": 4320,
                "appConsistentFrequencyInMinutes": 240, "crashConsistentFrequencyInMinutes": 5,
                "enableMultiVmSync": "True",
            },
        }),
        _res(ids, "replicationPolicies/failback-policy", "replicationPolicies", "failback-policy", {
            "friendlyName": "failback-policy",
            "providerSpecificDetails": {
                "instanceType": "InMageRcmFailback", "appConsistentFrequencyInMinutes": 60,
                "crashConsistentFrequencyInMinutes": 5,
            },
        }),
    ]
    mapping_type = "replicationFabrics/replicationProtectionContainers/replicationProtectionContainerMappings"
    mappings = [
        _res(ids, f"{container_rel}/replicationProtectionContainerMappings/replication-mapping", mapping_type,
             "replication-mapping", {
            "targetProtectionContainerId": az_container_id,
            "targetProtectionContainerFriendlyName": "Microsoft Azure",
            "providerSpecificDetails": {"instanceType": "InMageRcm", "enableAgentAutoUpgrade": "True"},
            "health": "Normal", "healthErrorDetails": [], "policyId": pol_id, "state": "Paired",
            "sourceProtectionContainerFriendlyName": site, "sourceFabricFriendlyName": site,
            "targetFabricFriendlyName": "Microsoft Azure", "policyFriendlyName": "replication-policy",
        }, fabric=fabric, container=container),
    ]
    vnet_id = ids.arm("rg-recovery-net", "Microsoft.Network/virtualNetworks/vnet-recovery")
    items = []
    for name, os_type, os_version, az_ip, src_ip, disks, group in VMS:
        iname = uid("rcm-item", name)
        items.append(_res(ids, f"{container_rel}/replicationProtectedItems/{iname}",
                          "replicationFabrics/replicationProtectionContainers/replicationProtectedItems", iname, {
            "friendlyName": name,
            "protectedItemType": "ProtectionEntity",
            "primaryFabricFriendlyName": site,
            "primaryFabricProvider": "InMageRcmFabric",
            "recoveryFabricFriendlyName": "Microsoft Azure",
            "recoveryFabricId": f"{ids.vault_id}/replicationFabrics/{az_fabric}",
            "primaryProtectionContainerFriendlyName": site,
            "recoveryProtectionContainerFriendlyName": "Microsoft Azure",
            "protectionState": "UnplannedFailoverCommitted",
            "protectionStateDescription": "Failover committed",
            "activeLocation": "Recovery",
            "testFailoverState": "None",
            "allowedOperations": ["ReverseReplicate", "DisableProtection"],
            "replicationHealth": "Normal",
            "failoverHealth": "Normal",
            "healthErrors": [],
            "policyId": pol_id,
            "policyFriendlyName": "replication-policy",
            "lastSuccessfulFailoverTime": minutes_ago(180),
            "recoveryContainerId": az_container_id,
            "providerSpecificDetails": {
                "instanceType": "InMageRcm",
                "internalIdentifier": uid("rcm-internal", name),
                "fabricDiscoveryMachineId": ids.arm(ids.resource_group, f"Microsoft.OffAzure/VMwareSites/{site}/machines/{name}"),
                "multiVmGroupName": group,
                "discoveryType": "VMware",
                "processServerId": ps["id"],
                "processServerName": appliance,
                "processorCoreCount": 2,
                "allocatedMemoryInMB": 4096.0,
                "runAsAccountId": uid("runas", site),
                "osType": os_type,
                "osName": os_version,
                "firmwareType": "BIOS",
                "primaryNicIpAddress": src_ip,
                "targetGeneration": "1",
                "licenseType": "NoLicenseType",
                "targetVmName": name,
                "targetVmSize": "Standard_D2s_v3",
                "targetResourceGroupId": f"/subscriptions/{ids.subscription_id}/resourceGroups/rg-recovery",
                "targetLocation": "eastus",
                "targetNetworkId": vnet_id,
                "lastRpoInSeconds": 60,
                "resyncRequired": "false",
                "protectedDisks": [
                    {"diskId": f"6000C29{d}{VMS_INDEX[name]:08d}", "diskName": f"{name}_disk{d}",
                     "isOSDisk": "true" if d == 0 else "false", "capacityInBytes": 64424509440,
                     "diskType": "Standard_LRS"}
                    for d in range(disks)
                ],
                "isAgentRegistrationSuccessfulAfterFailover": True,
                "vmNics": [{
                    "nicId": uid("nic", name), "isPrimaryNic": "true", "isSelectedForFailover": "true",
                    "sourceIPAddress": src_ip, "sourceIPAddressType": "Static",
                    "sourceNetworkId": "VM Network", "targetIPAddress": az_ip, "targetIPAddressType": "Static",
                    "targetSubnetName": "snet-failover", "targetNicName": f"{name}-nic",
                }],
            },
        }, fabric=fabric, container=container))
    provider = uid("provider", appliance)
    providers = [
        _res(ids, f"{fabric_rel}/replicationRecoveryServicesProviders/{provider}",
             "replicationFabrics/replicationRecoveryServicesProviders", provider, {
            "fabricType": "InMageRcm", "friendlyName": appliance, "providerVersion": PROVIDER_VERSION,
            "providerVersionState": "Latest", "fabricFriendlyName": site, "lastHeartBeat": minutes_ago(1),
            "connectionStatus": "Connected", "protectedItemCount": 4, "allowedScenarios": ["Refresh"],
            "healthErrorDetails": [], "machineName": appliance,
        }, fabric=fabric),
    ]
    return {
        "architecture": "modernized",
        "fabrics": fabrics,
        "containers": containers,
        "mappings": mappings,
        "policies": policies,
        "items": items,
        "vcenters": [],
        "providers": providers,
        "jobs": [],
        "pending_retention": [],
        "deny_access": False,
    }


def build(name: str, ids: Ids) -> dict:
    """Return a fresh, mutable state for scenario *name*."""
    if name == "healthy-classic":
        s = _classic(ids)
    elif name == "broken-classic":
        s = _broken(ids)
    elif name == "modernized":
        s = _modernized(ids)
    elif name == "scale":
        s = _scale(ids)
    elif name == "denied":
        s = _classic(ids)
        s["deny_access"] = True
    else:
        raise ValueError(f"unknown scenario {name!r}; known: {', '.join(SCENARIOS)}")
    s.pop("_make_item", None)
    s["name"] = name
    return copy.deepcopy(s)
