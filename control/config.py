"""The configuration file (TOML) -> checks.model.Settings, with errors that name the line.

Strict on purpose: an unknown key is almost always a typo that would otherwise
silently turn a check off, so it is refused with the closest known key.
"""

from __future__ import annotations

import contextlib
import difflib
import ipaddress
import os
import re
import time
import tomllib
from collections.abc import Collection, Mapping
from dataclasses import MISSING, fields
from pathlib import Path
from typing import Any

from checks.model import Answer, AzureSettings, NetworkSettings, Settings, SiteSettings, VCenterSettings

CLOUDS = ("AzureCloud", "AzureChinaCloud", "AzureUSGovernment")
AUTH_MODES = ("device-code", "client-secret", "azure-cli", "default")
SECRET_KEYS = re.compile(r"(password|passwd|secret|token|api[_-]?key|private[_-]?key)$", re.I)
MAX_TEXT = 1024
STALE_TMP_S = 600.0  # a temporary file this old is left by a save that was killed


class ConfigError(Exception):
    """A configuration problem, worded for the operator: where, what, and what to do."""


def default_paths() -> list[Path]:
    from platformdirs import user_config_dir

    return [Path("failback-prep.toml"), Path(user_config_dir("failback-prep")) / "config.toml"]


def find_config(explicit: str | None) -> Path:
    if explicit:
        return Path(explicit)
    env = os.environ.get("FAILBACK_PREP_CONFIG")
    if env:
        return Path(env)
    for candidate in default_paths():
        if candidate.is_file():
            return candidate
    looked = ", ".join(str(p) for p in default_paths())
    raise ConfigError(f"no configuration file given and none found ({looked}); pass --config FILE")


class _Reader:
    """Reads one table, remembering which keys were used so leftovers can be refused."""

    def __init__(self, path: Path, text: str, table: str, data: Mapping[str, Any], model: type | None = None) -> None:
        self.path, self.text, self.table, self.data = path, text, table, data
        # The settings class this table fills: its field defaults are the defaults (stated once, there).
        self.defaults = {f.name: f.default for f in fields(model) if f.default is not MISSING} if model else {}

    def default(self, key: str) -> Any:
        return self.defaults[key]

    def line(self, key: str | None = None) -> int | None:
        lines = self.text.splitlines()
        in_table = False
        header = re.compile(r"^\s*\[\s*" + re.escape(self.table) + r"\s*\]\s*(#.*)?$")
        for number, line in enumerate(lines, 1):
            if re.match(r"^\s*\[", line):
                in_table = bool(header.match(line))
                if in_table and key is None:
                    return number
                continue
            if in_table and key is not None:
                if re.match(r'^\s*"?' + re.escape(key) + r'"?\s*=', line):
                    return number
        return None

    def where(self, key: str | None = None) -> str:
        number = self.line(key)
        place = f"{self.path}, line {number}" if number else str(self.path)
        name = f"[{self.table}] {key}" if key else f"[{self.table}]"
        return f"{place}: {name}"

    def fail(self, key: str | None, problem: str) -> ConfigError:
        return ConfigError(f"{self.where(key)} {problem}")

    def text_value(self, key: str, default: str = "", required: bool = False) -> str:
        value = self.data.get(key, None)
        if value is None:
            if required:
                raise self.fail(None, f"needs `{key}`; add it, for example {key} = \"...\"")
            return default
        if not isinstance(value, str):
            raise self.fail(key, f"must be text in quotes, not {value!r}")
        value = value.strip()
        if required and not value:
            raise self.fail(key, "is empty; give it a value")
        if len(value) > MAX_TEXT:
            raise self.fail(key, f"is {len(value)} characters long; the limit is {MAX_TEXT}")
        if any(ord(ch) < 32 for ch in value):
            raise self.fail(key, "contains a control character; remove it")
        return value

    def bool_value(self, key: str, default: bool) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(key, f"must be true or false, not {value!r}")
        return value

    def int_value(self, key: str, default: int, low: int, high: int) -> int:
        value = self.data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise self.fail(key, f"must be a whole number from {low} to {high}, not {value!r}")
        return value

    def float_value(self, key: str, default: float, low: float, high: float) -> float:
        value = self.data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
            raise self.fail(key, f"must be a number from {low:g} to {high:g}, not {value!r}")
        return float(value)

    def choice(self, key: str, default: str, options: tuple[str, ...]) -> str:
        value = self.text_value(key, default)
        if value not in options:
            raise self.fail(key, f"is {value!r}; use one of: {', '.join(options)}")
        return value

    def refuse_unknown(self, known: set[str]) -> None:
        for key in self.data:
            if SECRET_KEYS.search(key):
                raise self.fail(
                    key,
                    "is a secret, and secrets never go in the configuration file; delete the line and "
                    "store it with `failback-prep creds set vcenter|azure` or the environment",
                )
            if key not in known:
                close = difflib.get_close_matches(key, sorted(known), n=1)
                hint = f"did you mean `{close[0]}`?" if close else f"known keys: {', '.join(sorted(known))}"
                raise self.fail(key, f"is not a known setting; {hint}")


def _keys(cls: type) -> set[str]:
    return {f.name for f in fields(cls)}


def _vcenter(r: _Reader) -> VCenterSettings:
    r.refuse_unknown(_keys(VCenterSettings))
    thumbprint = r.text_value("thumbprint")
    if thumbprint:
        digits = re.sub(r"[^0-9A-Fa-f]", "", thumbprint)
        if len(digits) != 64:
            raise r.fail("thumbprint", "must be a SHA-256 fingerprint: 64 hexadecimal digits, colons allowed")
        thumbprint = ":".join(digits[i : i + 2] for i in range(0, 64, 2)).upper()
    ca_file = r.text_value("ca_file")
    if ca_file:
        ca_path = (r.path.parent / ca_file) if not os.path.isabs(ca_file) else Path(ca_file)
        if not ca_path.is_file():
            raise r.fail("ca_file", f"points to {ca_path}, which does not exist")
        ca_file = str(ca_path)
    return VCenterSettings(
        host=_host(r, "host", r.text_value("host", required=True)),
        user=r.text_value("user", required=True),
        port=r.int_value("port", r.default("port"), 1, 65535),
        thumbprint=thumbprint,
        ca_file=ca_file,
        insecure=r.bool_value("insecure", r.default("insecure")),
        failback_account=r.text_value("failback_account"),
    )


def _host(r: _Reader, key: str, value: str) -> str:
    if not value:
        return value
    try:
        ipaddress.ip_address(value)
        return value
    except ValueError:
        pass
    if not re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9.-]{0,252})", value) or ".." in value:
        raise r.fail(key, f"is {value!r}, which is not a host name or IP address")
    return value


_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")


def _azure(r: _Reader) -> AzureSettings:
    r.refuse_unknown(_keys(AzureSettings))
    auth = r.choice("auth", r.default("auth"), AUTH_MODES)
    settings = AzureSettings(
        tenant_id=r.text_value("tenant_id", required=True),
        subscription_id=r.text_value("subscription_id", required=True),
        resource_group=r.text_value("resource_group", required=True),
        vault=r.text_value("vault", required=True),
        cloud=r.choice("cloud", r.default("cloud"), CLOUDS),
        auth=auth,
        client_id=r.text_value("client_id", required=auth == "client-secret"),
        arm_endpoint=r.text_value("arm_endpoint"),
        authority=r.text_value("authority"),
        ca_file=r.text_value("ca_file"),
    )
    if not _GUID.match(settings.subscription_id):
        raise r.fail("subscription_id", "must be a GUID like 00000000-0000-0000-0000-000000000000")
    for key in ("arm_endpoint", "authority"):
        value = getattr(settings, key)
        if value and not value.startswith("https://"):
            raise r.fail(key, "must start with https://")
    if settings.ca_file and not Path(settings.ca_file).is_file():
        raise r.fail("ca_file", f"points to {settings.ca_file}, which does not exist")
    return settings


def _site(r: _Reader) -> SiteSettings:
    r.refuse_unknown(_keys(SiteSettings))
    vms = r.data.get("failback_vms", [])
    if not isinstance(vms, list) or not all(isinstance(v, str) and v.strip() for v in vms):
        raise r.fail("failback_vms", 'must be a list of VM names, for example ["app01", "db01"]')
    if len(set(vms)) != len(vms):
        raise r.fail("failback_vms", "names a VM twice; list each VM once")
    for vm in vms:
        if len(vm) > 80:
            raise r.fail("failback_vms", f"has a name of {len(vm)} characters; vSphere allows 80")
    return SiteSettings(
        master_target=r.text_value("master_target"),
        failback_vms=tuple(v.strip() for v in vms),
        architecture=r.choice("architecture", r.default("architecture"), ("auto", "classic", "modernized")),
        configuration_server=r.text_value("configuration_server"),
        configuration_server_vm=r.text_value("configuration_server_vm"),
        process_server=r.text_value("process_server"),
        recovery=r.choice("recovery", r.default("recovery"), ("original", "alternate")),
        retain_ip=r.bool_value("retain_ip", r.default("retain_ip")),
        retention_volume=r.text_value("retention_volume"),
        process_server_vm=_vm_ref(r, "process_server_vm"),
        process_server_vm_group=r.text_value("process_server_vm_group"),
        appliance=r.text_value("appliance"),
        target_datastore=r.text_value("target_datastore"),
        appliance_vm=r.text_value("appliance_vm"),
        log_storage_account=r.text_value("log_storage_account"),
        run_as_account=r.text_value("run_as_account"),
    )


_VM_ID = re.compile(r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.Compute/virtualMachines/[^/]+$", re.I)
_VM_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def _vm_ref(r: _Reader, key: str) -> str:
    value = r.text_value(key)
    if value and not (_VM_ID.match(value) or _VM_NAME.match(value)):
        raise r.fail(key, "must be the VM's ARM id (/subscriptions/.../providers/Microsoft.Compute/virtualMachines/"
                          "NAME) or its name in process_server_vm_group")
    return value


def _network(r: _Reader) -> NetworkSettings:
    r.refuse_unknown(_keys(NetworkSettings))
    vnet = r.text_value("azure_vnet")
    if vnet:
        try:
            ipaddress.ip_network(vnet, strict=False)
        except ValueError:
            raise r.fail("azure_vnet", f"is {vnet!r}; give a network like 10.1.0.0/16") from None
    return NetworkSettings(
        ps_address=_host(r, "ps_address", r.text_value("ps_address")),
        cs_address=_host(r, "cs_address", r.text_value("cs_address")),
        https_port=r.int_value("https_port", r.default("https_port"), 1, 65535),
        data_port=r.int_value("data_port", r.default("data_port"), 1, 65535),
        timeout_s=r.float_value("timeout_s", r.default("timeout_s"), 0.1, 60.0),
        azure_vnet=vnet,
        probe_timeout_s=r.float_value("probe_timeout_s", r.default("probe_timeout_s"), 10.0, 5400.0),
    )


def _answers(r: _Reader) -> dict[str, Answer]:
    answers: dict[str, Answer] = {}
    if not r.data:
        return answers
    from checks.manual import MANUAL_IDS  # the check definitions: loaded only when a config has [answers]

    for step_id, value in r.data.items():
        if step_id not in MANUAL_IDS:
            close = difflib.get_close_matches(step_id, sorted(MANUAL_IDS), n=1)
            hint = f"did you mean `{close[0]}`?" if close else f"manual steps are: {', '.join(sorted(MANUAL_IDS))}"
            raise r.fail(step_id, f"is not a manual step; {hint}")
        if not isinstance(value, Mapping):
            raise r.fail(step_id, 'must look like { status = "confirmed", note = "..." }')
        unknown = set(value) - {"status", "note", "by", "at"}
        if unknown:
            raise r.fail(step_id, f"has unknown field(s) {', '.join(sorted(unknown))}; use status and note")
        status = value.get("status")
        if status not in ("confirmed", "skipped"):
            raise r.fail(step_id, f'has status {status!r}; use "confirmed" or "skipped"')
        note = value.get("note", "")
        if not isinstance(note, str) or len(note) > MAX_TEXT:
            raise r.fail(step_id, f"has a note that is not text of at most {MAX_TEXT} characters")
        if status == "skipped" and not note.strip():
            raise r.fail(step_id, "is skipped without a reason; add note = \"why\"")
        answers[step_id] = Answer(status, note, str(value.get("by", "")), str(value.get("at", "")))
    return answers


TABLES = ("vcenter", "azure", "site", "network", "answers", "keys")
_KEY = re.compile(r"^(?:(?:ctrl|shift|alt|meta|super)\+)*[a-z0-9_]+$")


def _keys_table(r: _Reader) -> dict[str, str]:
    """[keys]: the wizard's keys rebound, as Textual's keymap takes them (which ids exist, the wizard
    knows: tui.launch checks them against its screens)."""
    keys: dict[str, str] = {}
    for binding_id, value in r.data.items():
        if not isinstance(value, str) or not value.strip():
            raise r.fail(binding_id, 'must be the keys in quotes, for example "j" or "j,f3"')
        names = [k.strip() for k in value.split(",")]
        bad = [k for k in names if not _KEY.match(k)]
        if bad:
            raise r.fail(binding_id, f"has {', '.join(repr(k) for k in bad)}, which Textual does not name a key; "
                                     'write keys as Textual does: "j", "f3", "ctrl+n"')
        keys[binding_id] = ",".join(names)
    return keys


def parse(text: str, path: Path) -> Settings:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); fix that line and try again") from None
    for table in data:
        if table not in TABLES:
            close = difflib.get_close_matches(table, TABLES, n=1)
            hint = f"did you mean [{close[0]}]?" if close else f"known tables: {', '.join(TABLES)}"
            raise ConfigError(f"{path}: unknown table or key [{table}]; {hint}")
        if not isinstance(data[table], Mapping):
            raise ConfigError(f"{path}: `{table}` must be a table ([{table}])")

    def reader(table: str, model: type | None = None) -> _Reader:
        return _Reader(path, text, table, data.get(table, {}), model)

    return Settings(
        site=_site(reader("site", SiteSettings)),
        vcenter=_vcenter(reader("vcenter", VCenterSettings)) if "vcenter" in data else None,
        azure=_azure(reader("azure", AzureSettings)) if "azure" in data else None,
        network=_network(reader("network", NetworkSettings)),
        answers=_answers(reader("answers")),
        source=str(path),
        keys=_keys_table(reader("keys")),
    )


def load(path: Path) -> Settings:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file; check the path given to --config") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a folder, not a configuration file") from None
    except PermissionError:
        raise ConfigError(f"{path}: cannot be read (permission denied)") from None
    try:
        # utf-8-sig: Windows Notepad starts UTF-8 files with a byte order mark, which TOML does not allow.
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: is not UTF-8 text; save it as UTF-8") from None
    return parse(text, path)


def refuse_unknown_key_ids(settings: Settings, known: Collection[str]) -> None:
    """[keys] names only bindings the wizard has (their ids come from the screens, which this layer
    does not import: the wizard passes them in). An unknown id is refused with the closest one."""
    unknown = [binding_id for binding_id in settings.keys if binding_id not in known]
    if not unknown:
        return
    path = Path(settings.source)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError:
        text = ""
    reader = _Reader(path, text, "keys", settings.keys)
    close = difflib.get_close_matches(unknown[0], sorted(known), n=1)
    hint = f"did you mean `{close[0]}`?" if close else f"the wizard's keys are: {', '.join(sorted(known))}"
    raise reader.fail(unknown[0], f"is not one of the wizard's keys; {hint} (the README lists them all)")


def save_value(path: Path, table: str, key: str, value: str) -> None:
    """Set one text value in the file, keeping everything else as the operator wrote it (comments,
    order, layout: tomlkit), and write it atomically: the new file is complete on disk before it
    replaces the old one, so a crash leaves one or the other, never half of each."""
    import tempfile

    import tomlkit

    path = path.resolve()  # through a symbolic link: the file it points to is the one updated
    text = path.read_text(encoding="utf-8-sig") if path.exists() else ""
    document = tomlkit.parse(text)
    if table not in document:
        document.add(table, tomlkit.table())
    document[table][key] = value
    folder = path.resolve().parent
    for stale in folder.glob(f".{path.name}.*.tmp"):  # left by a save killed half way (not one under way)
        with contextlib.suppress(OSError):
            if time.time() - stale.stat().st_mtime > STALE_TMP_S:
                stale.unlink()
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(tomlkit.dumps(document))
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists():
            kept = path.stat()
            os.chmod(temporary, kept.st_mode & 0o777)
            with contextlib.suppress(PermissionError):  # owner and group, as far as this user may keep them
                os.chown(temporary, kept.st_uid, kept.st_gid)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    with contextlib.suppress(OSError):  # the rename itself on disk (the folder's entry)
        dirfd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dirfd)
        finally:
            os.close(dirfd)
