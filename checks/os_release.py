"""Operating system releases as vSphere and Site Recovery name them, put in order.

The master target must run the failback VMs' OS family at the same or a higher version. Names come
as vSphere guest names ("Microsoft Windows Server 2016 (64-bit)"), guest ids (windows9Server64Guest),
the running guest's own words ("Red Hat Enterprise Linux Server release 7.9 (Maipo)"), or a Linux
lsb-release line as Site Recovery stores it (DISTRIB_ID=Ubuntu DISTRIB_RELEASE=16.04 ...).

Windows Server releases are ordered 2008 < 2008 R2 < 2012 < 2012 R2 < 2016 < 2019 < 2022 < 2025.
Linux releases are compared within one distribution, by major then minor version; across
distributions there is no order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# vSphere guest ids of Windows Server, oldest first (windows8Server64Guest covers 2012 and 2012 R2).
_WINDOWS_IDS = {
    "winlonghorn": (2008, 0), "winlonghorn64": (2008, 0),
    "windows7server64": (2008, 1),
    "windows8server64": (2012,),  # 2012 or 2012 R2: the year is all the id tells
    "windows9server64": (2016, 0),
    "windows2019srv_64": (2019, 0),
    "windows2019srvnext_64": (2022, 0),
    "windows2022srvnext_64": (2025, 0),
}
_LINUX = (
    ("rhel", r"red hat enterprise linux(?: server| workstation)?(?: release)? (\d+)(?:\.(\d+))?"),
    ("centos", r"centos(?: linux| stream)?(?: release)? (\d+)(?:\.(\d+))?"),
    ("oracle", r"oracle linux(?: server)?(?: release)? (\d+)(?:\.(\d+))?"),
    ("sles", r"suse linux enterprise(?: server)? (\d+)(?: sp(\d+))?"),
    ("ubuntu", r"ubuntu(?: linux)? (\d+)(?:\.(\d+))?"),
    ("ubuntu", r"distrib_id=ubuntu.*?distrib_release=(\d+)(?:\.(\d+))?"),
    ("debian", r"debian(?: gnu/linux)? (\d+)(?:\.(\d+))?"),
)
_LINUX_IDS = {"rhel": "rhel", "centos": "centos", "oraclelinux": "oracle", "sles": "sles", "ubuntu": "ubuntu",
              "debian": "debian"}


@dataclass(frozen=True)
class Release:
    family: str  # "windows", "linux" or "" when unknown
    distribution: str = ""  # "windows", "rhel", "ubuntu", ...; "" when unknown
    version: tuple[int, ...] = ()  # Windows: (year, 1 for R2 else 0); Linux: (major,) or (major, minor)

    @property
    def shown(self) -> str:
        if not self.version:
            return self.distribution or self.family or "?"
        if self.distribution == "windows":
            return f"Windows Server {self.version[0]}" + (" R2" if self.version[1:] == (1,) else "")
        if self.distribution == "ubuntu" and len(self.version) == 2:  # releases are YY.MM
            return f"ubuntu {self.version[0]}.{self.version[1]:02d}"
        return f"{self.distribution} {'.'.join(str(v) for v in self.version)}"


def parse(words: str, guest_id: str = "", family_hint: str = "") -> Release:
    """A release from whatever names an OS; as much as the words tell, never a guess beyond them."""
    text = " ".join(words.lower().replace('"', " ").split())
    gid = guest_id.lower().removesuffix("guest")
    family = family_hint.lower() if family_hint.lower() in ("windows", "linux") else ""
    if "windows" in text or gid.startswith("win") or family == "windows":
        year = re.search(r"\b(2008|2012|2016|2019|2022|2025)\b(\s*r2)?", text)
        if year:
            return Release("windows", "windows", (int(year.group(1)), 1 if year.group(2) else 0))
        return Release("windows", "windows", _WINDOWS_IDS.get(gid, ()))
    for distro, pattern in _LINUX:
        found = re.search(pattern, text)
        if found:
            version = (int(found.group(1)),) + ((int(found.group(2)),) if found.group(2) else ())
            return Release("linux", distro, version)
    by_id = re.match(r"([a-z]+?)(\d+)?(?:_64)?$", gid)
    if by_id and by_id.group(1) in _LINUX_IDS:
        return Release("linux", _LINUX_IDS[by_id.group(1)], (int(by_id.group(2)),) if by_id.group(2) else ())
    if family == "linux" or text or gid:
        return Release("linux" if family != "windows" else family)
    return Release("")


def compare(master_target: Release, vm: Release) -> str:
    """"ok" (same or higher), "older", or "unknown" (no order between them), for one family.

    Versions compare at the precision both state: RHEL 7 against RHEL 7.9 is the same major release.
    """
    if not master_target.version or not vm.version or master_target.distribution != vm.distribution:
        return "unknown"
    depth = min(len(master_target.version), len(vm.version))
    return "older" if master_target.version[:depth] < vm.version[:depth] else "ok"
