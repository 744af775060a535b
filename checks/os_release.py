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
_WINDOWS_IDS = {  # the id without "Guest" and its bitness suffix
    "winlonghorn": (2008, 0),
    "windows7server": (2008, 1),
    "windows8server": (2012,),  # 2012 or 2012 R2: the year is all the id tells
    "windows9server": (2016, 0),
    "windows2019srv": (2019, 0),
    "windows2019srvnext": (2022, 0),
    "windows2022srvnext": (2025, 0),
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


def parse(words: str, guest_id: str = "", family_hint: str = "", coarse: bool = False) -> Release:
    """A release from whatever names an OS; as much as the words tell, never a guess beyond them.

    `coarse`: the words are vSphere's configured guest name, which says "2012" for 2012 R2 too and
    "or later" for a range: there only what is certain is kept.
    """
    text = " ".join(words.lower().replace('"', " ").split())
    gid = guest_id.lower().removesuffix("guest")
    gid = gid.removesuffix("_64") if gid.endswith("_64") else gid.removesuffix("64")  # bitness, not a version
    family = family_hint.lower() if family_hint.lower() in ("windows", "linux") else ""
    or_later = "or later" in text
    if "windows" in text or gid.startswith("win") or family == "windows":
        year = re.search(r"\b(2008|2012|2016|2019|2022|2025)\b(\s*r2)?", text)
        if year and not or_later:
            release_year, r2 = int(year.group(1)), bool(year.group(2))
            if coarse and release_year == 2012 and not r2:
                return Release("windows", "windows", (2012,))
            return Release("windows", "windows", (release_year, 1 if r2 else 0))
        return Release("windows", "windows", () if or_later else _WINDOWS_IDS.get(gid, ()))
    for distro, pattern in _LINUX:
        found = re.search(pattern, text)
        if found:
            if or_later:
                return Release("linux", distro)
            version = (int(found.group(1)),) + ((int(found.group(2)),) if found.group(2) else ())
            return Release("linux", distro, version)
    by_id = re.fullmatch(r"([a-z]+?)(\d+)?", gid)
    if by_id and by_id.group(1) in _LINUX_IDS:
        return Release("linux", _LINUX_IDS[by_id.group(1)], (int(by_id.group(2)),) if by_id.group(2) else ())
    if family == "linux" or "linux" in text:
        return Release("linux")
    return Release("")


def compare(master_target: Release, vm: Release) -> str:
    """"ok" (same or higher), "older", or "unknown" (no order between them), for one family.

    Where one side states less than the other (RHEL 7 against RHEL 7.9, a 2012 that may be R2), the
    order is known only if the common part already differs.
    """
    if not master_target.version or not vm.version or master_target.distribution != vm.distribution:
        return "unknown"
    depth = min(len(master_target.version), len(vm.version))
    mine, theirs = master_target.version[:depth], vm.version[:depth]
    if mine != theirs:
        return "older" if mine < theirs else "ok"
    if len(master_target.version) == len(vm.version):
        return "ok"
    # An R2 master target is at least any release of its year; otherwise the missing part decides.
    if master_target.distribution == "windows" and master_target.version[1:] == (1,):
        return "ok"
    return "unknown"


def better(first: Release, second: Release) -> Release:
    """Of two readings of the same machine's OS, the one that states more (the first on a tie)."""
    if second.family and (not first.family or (first.family == second.family and len(second.version) > len(first.version))):
        return second
    return first
