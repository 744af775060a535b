"""English words left in a Chinese text: what a Chinese screen or message must not show."""

from __future__ import annotations

import re

# Words a Chinese screen keeps in English: product and protocol names, file systems, key names, the
# name of a fix-it's parameter (as `--param datastore=` takes it; its meaning is said above it), the
# configuration's own keys and values (thumbprint, retain_ip = false, disk.EnableUUID = TRUE, vault),
# protocol names (HTTPS, DNS), the vSphere API's own class names (VirtualDisk) and Site Recovery's provider
# names (InMageRcmFailback).
# Ids, names from the site, commands and API calls carry digits, dots, dashes or underscores and are
# left out before the words are read.
KEPT_IN_ENGLISH = set("""
    Azure Site Recovery vCenter VMware Tools ESXi vMotion DRS ExpressRoute VPN Windows Server Linux TLS SSH tmux
    EnableUUID UUID PVSCSI LSI Logic SAS SCSI BusLogic VMFS NFS FAT NTFS xfs RPO IP IPAM CA
    Storage AzureCloud UTC GB BIOS
    datastore thumbprint TRUE true false host port user vault cloud auth
    HTTP HTTPS DNS PEM CLI TCP ARM ID VirtualDisk VirtualLsiLogicSASController InMageRcm InMageRcmFailback DRA
    Esc Tab Enter Backspace Space Up Down PgUp PgDn Home End Ctrl Shift
""".split())


def english_words(text: str) -> set[str]:
    text = re.sub(r"CN=[^。；\n]*", "", text)  # a certificate's subject is a name
    text = re.sub(r"“[^”]*”", "", text)  # a command or value quoted as it is typed: “az login”
    text = re.sub(r"\b\w+ = \S+", "", text)  # a property an API call sets: enabled = false
    text = re.sub(r"SHA256 [0-9A-F:]+", "", text)  # a fingerprint
    text = re.sub(r"\[\w+\](?: ?的? ?[a-z_]+)?", "", text)  # a configuration key: [vcenter] host
    text = "\n".join(line for line in text.splitlines()  # commands to run elsewhere
                     if not any(c in line for c in ("Test-NetConnection", "nc -vz", "failback-prep ", "az vm ")))
    words = re.findall(r"(?<![\w.\-=/\\@])[A-Za-z][A-Za-z]+(?![\w.\-/\\(\[@:])", text)
    return {w for w in words if w not in KEPT_IN_ENGLISH}
