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

SCENARIOS = ("healthy-classic", "broken-classic", "modernized", "scale", "denied", "demo",
             "probe-cs-closed", "probe-denied", "probe-agent-error", "probe-never", "modernized-appliance-down",
             "modernized-component-critical", "modernized-reprotect-stale", "modernized-no-failback-policy",
             "modernized-too-many-disks", "modernized-vm-not-ready", "reprotect-wrong-datastore",
             "reprotect-mt-cannot-reach-ps", "reprotect-vm-deleted", "modernized-reprotect-wrong-datastore")
# The demo's vault: healthy, but with what the checks find on real vaults and an operator should see
# once: a failed-over VM whose Azure VM is deallocated, and a configuration server agent due for update.
DEMO_SHAPES = ("vm-deallocated", "agent-update-required")


@dataclass(frozen=True)
class Ago:
    """A time stamp ``seconds`` before the moment the payload is served.

    ``style`` is how the service writes it: "seconds" (``2021-04-06T15:00:55Z``, servers' heartbeats),
    "ticks" (seven-digit fraction, ``...38.7688454Z``, the fabric's heartbeat), "micro" (six digits),
    "naive" (no zone at all)."""

    seconds: float
    style: str = "seconds"


def minutes_ago(m: float, style: str = "seconds") -> Ago:
    return Ago(m * 60, style)


def mac_address(name: str) -> str:
    h = hexname("mac", name).upper()
    return "00:50:56:" + ":".join(h[i:i + 2] for i in (0, 2, 4))


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
VCENTER_INTERNAL_ID = "9"  # Site Recovery numbers vCenters; items name theirs by this (VCENTER_2021)
AZURE_NET = "10.1.0.0/24"
DATASTORE = "vmfs-prod01"  # the site's shared datastore (SITE.md), as the master targets list it

# Windows items carry the OS caption (SWITCH_2021). No recording shows a Linux item's osVersion; ours
# is the release line such a guest reports.
WINDOWS_2016 = "Microsoft Windows Server 2016 Datacenter"
RHEL_7 = "Red Hat Enterprise Linux Server release 7.9 (Maipo)"
VMS = [
    # name, osType, osVersion, Azure IP (Dynamic: not in the vault), on-prem IP, disks, group
    ("app01", "Windows", WINDOWS_2016, "10.1.0.11", "10.0.0.21", 1, "grp-win"),
    ("db01", "Windows", WINDOWS_2016, "10.1.0.12", "10.0.0.22", 2, "grp-win"),
    ("web01", "Linux", RHEL_7, "10.1.0.21", "10.0.0.31", 1, "grp-lnx"),
    ("web02", "Linux", RHEL_7, "10.1.0.22", "10.0.0.32", 1, "grp-lnx"),
]


def _health_error(code: str, message: str, action: str, level: str = "Error", minutes: float = 30) -> dict:
    # The 2021 key set (REPROTECT_2021): summaryMessage is "" and codes are strings.
    return {
        "innerHealthErrors": [],
        "errorSource": "ReplicationUnitProviderError",
        "errorType": "8010",
        "errorLevel": level,
        "errorCategory": "Replication",
        "errorCode": code,
        "summaryMessage": "",
        "errorMessage": message,
        "possibleCauses": message,
        "recommendedAction": action,
        "creationTimeUtc": minutes_ago(minutes, "ticks"),
        "recoveryProviderErrorMessage": None,
        "entityId": uid("entity", code),
        "errorId": f"6:{code}",
        "customerResolvability": "Allowed",
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


# --- recorded traffic the classic scenarios follow ------------------------------------
# Public recordings of real classic vaults (Azure/azure-powershell test session records) and the
# REST spec's examples. Each shape below names the one it follows; values and names are our own.
POWERSHELL = "Azure/azure-powershell"
SPECS = "Azure/azure-rest-api-specs"
_RECORDS = "src/RecoveryServices/RecoveryServices.SiteRecovery.Test/SessionRecords/"
_V2A = _RECORDS + "RecoveryServices.SiteRecovery.Test.AsrV2ATests/"
_EXAMPLES = ("specification/recoveryservicessiterecovery/resource-manager/Microsoft.RecoveryServices/"
             "SiteRecovery/stable/2025-08-01/examples/")


@dataclass(frozen=True)
class Recording:
    repo: str
    path: str
    commit: str
    api_version: str


# 2017 traffic (api-version 2018-01-10): no health keys on servers, fabric health "Error".
FABRICS_2017 = Recording(POWERSHELL, _V2A + "V2AFabricTests.json", "011f29e5b919edb87ebe94852eb7a6ee47b28aff",
                         "2018-01-10")
# 2021 traffic: the fabric, its servers, a failed-over item, policies, mappings, a reprotect.
REPROTECT_2021 = Recording(POWERSHELL, _V2A + "V2ATestReprotect.json", "10072744d57146be6be415381f05e61b365d96af",
                           "2021-11-01")
SWITCH_2021 = Recording(POWERSHELL, _V2A + "V2ATestSwitchProtection.json", "04b26511d4bf9c6c442208bb309cfcbefa8cb3a1",
                        "2021-06-01")
FAILBACK_2021 = Recording(POWERSHELL, _V2A + "V2ATestFailback.json", "481f488c6f873a83275b1cbf50927e2cbaf932a5",
                          "2021-06-01")
VCENTER_2021 = Recording(POWERSHELL, _V2A + "V2AVCenterTest.json", "10072744d57146be6be415381f05e61b365d96af",
                         "2021-11-01")
ITEMS_2017 = Recording(POWERSHELL, _V2A + "V2AUpdateMS.json", "24851af2f8b7aadfd67dd18743567c9d14f38671", "2018-07-10")
PROVIDERS_2021 = Recording(POWERSHELL, _RECORDS + "RecoveryServices.SiteRecovery.Test.AsrCommonTests/EnumerationTests.json",
                           "0068e9d70103460c3cbbe8623b724de95dc10b6a", "2021-11-01")
VCENTER_PENDING = Recording(SPECS, _EXAMPLES + "ReplicationvCenters_Get.json", "2c6d6d5e98df5fbff18965199188554865293602",
                            "2025-08-01")

NEVER = "9999-12-31T23:59:59.9999999"  # Site Recovery's "never" (no zone), e.g. an agent that does not expire
NO_TIME = "1753-01-01T01:01:01Z"  # "no scenario running"


def host_id(*parts: str) -> str:
    """A configuration/process server or Windows master target id as Site Recovery shows it:
    8-4-4-16 upper-case hex (e.g. 14968BDF-E18E-7F45-A9B0E3EFAC2DDCA2), not a standard GUID."""
    h = hashlib.sha256("/".join(parts).encode()).hexdigest().upper()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:32]}"


def _version_details(version: str, status: str = "Supported") -> dict:
    return {"version": version, "expiryDate": NEVER, "status": status}


# --- classic -----------------------------------------------------------------------
def _classic(ids: Ids) -> dict:
    cs_fabric = hexname("fabric", CS_NAME)
    # Recorded vaults name the Azure side's fabric and container with fixed-looking hashes.
    az_fabric = hexname("fabric", "azure")
    internal = uid("fabric-internal", CS_NAME)  # = the provider's name = the container's suffix (recorded)
    cs_container = "cloud_" + internal
    az_container = uid("container", "azure")
    fabric_rel = f"replicationFabrics/{cs_fabric}"
    container_rel = f"{fabric_rel}/replicationProtectionContainers/{cs_container}"
    az_container_id = f"{ids.vault_id}/replicationFabrics/{az_fabric}/replicationProtectionContainers/{az_container}"
    cs_container_id = f"{ids.vault_id}/{container_rel}"

    cs_host = host_id("host", CS_NAME)
    ps_azure_id = host_id("host", PS_NAME)
    mt_win_id = host_id("host", "mt-win01")
    mt_lnx_id = uid("mt", "mt-lnx01")  # Linux master targets carry a lower-case standard GUID (recorded)
    runas = [
        {"accountId": "1", "accountName": "vcenter-admin"},
        {"accountId": "2", "accountName": "windows-admin"},
        {"accountId": "3", "accountName": "linux-root"},
    ]

    def datastores() -> list:
        # type "VMFS", sizes in GB as strings (REPROTECT_2021, FABRICS_2017)
        return [{"symbolicName": DATASTORE, "uuid": "5f2a9c1e-0b3d4e5f-6a7b-001122334455",
                 "capacity": "12287.75", "freeSpace": "6815.4", "type": "VMFS"}]

    def agent(status: str = "Supported") -> dict:
        return {"agentVersion": AGENT_VERSION, "versionStatus": status, "agentExpiryDate": NEVER,
                "agentVersionDetails": _version_details(AGENT_VERSION, status)}

    def ps(name, pid, ip):
        # REPROTECT_2021: statuses are Green/Yellow/Red, cpuLoad is "3%", mars* are the string "1".
        return {
            "friendlyName": name, "id": pid, "ipAddress": ip, "osType": "Windows",
            "lastHeartbeat": minutes_ago(1, "seconds"),
            "mobilityServiceUpdates": [
                {"version": AGENT_VERSION, "rebootStatus": "NotRequired", "osType": "Windows"},
                {"version": AGENT_VERSION, "rebootStatus": "NotRequired", "osType": "Linux"},
            ],
            "hostId": pid, "machineCount": "4", "replicationPairCount": "4",
            "systemLoad": "1", "systemLoadStatus": "Green", "cpuLoad": "3%", "cpuLoadStatus": "Green",
            "totalMemoryInBytes": 17179869184, "availableMemoryInBytes": 9663676416, "memoryUsageStatus": "Green",
            "totalSpaceInBytes": 644245094400, "availableSpaceInBytes": 429496729600, "spaceUsageStatus": "Green",
            "psServiceStatus": "Running", "sslCertExpiryDate": "2028-03-22T14:18:58Z", "sslCertExpiryRemainingDays": 600,
            "osVersion": None, "healthErrors": [], **agent(), "health": "Normal",
            "psStatsRefreshTime": minutes_ago(2, "seconds"), "throughputUploadPendingDataInBytes": 0,
            "throughputInMBps": 0, "throughputInBytes": 6453, "throughputStatus": "Green",
            "marsCommunicationStatus": "1", "marsRegistrationStatus": "1",
        }

    def mt(name, mid, ip, os_type, os_version, retention, disk_count):
        # Windows retention volumes are bare letters, Linux ones mount points, thresholds null.
        return {
            "id": mid, "ipAddress": ip, "name": name, "osType": os_type,
            "lastHeartbeat": minutes_ago(1, "seconds"),
            "retentionVolumes": [{"volumeName": v, "capacityInBytes": 536870912000,
                                  "freeSpaceInBytes": 483183820800, "thresholdPercentage": None} for v in retention],
            "dataStores": datastores(), "validationErrors": [], "healthErrors": [],
            "diskCount": disk_count, "osVersion": os_version, **agent(),
            "marsAgentVersion": "2.0.9202.0", "marsAgentExpiryDate": NEVER,
            "marsAgentVersionDetails": _version_details("2.0.9202.0"),
        }

    vmware = {
        "instanceType": "VMware",
        "processServers": [ps(CS_NAME, cs_host, CS_IP), ps(PS_NAME, ps_azure_id, PS_IP)],
        "masterTargetServers": [
            # The configuration server is a master target too (the default Windows one).
            mt(CS_NAME, cs_host, CS_IP, "Windows", "Microsoft Windows Server 2016 Datacenter", ["E"], 2),
            mt("mt-win01", mt_win_id, "10.0.0.41", "Windows", "Microsoft Windows Server 2016 Datacenter", ["R"], 3),
            mt("mt-lnx01", mt_lnx_id, "10.0.0.42", "Linux", None, ["/mnt/retention"], 3),
        ],
        "runAsAccounts": runas,
        "replicationPairCount": "4", "processServerCount": "2", "agentCount": "7", "protectedServers": "4",
        "systemLoad": "0", "systemLoadStatus": "Green", "cpuLoad": "0%", "cpuLoadStatus": "Green",
        "totalMemoryInBytes": 17179869184, "availableMemoryInBytes": 8589934592, "memoryUsageStatus": "Green",
        "totalSpaceInBytes": 644245094400, "availableSpaceInBytes": 322122547200, "spaceUsageStatus": "Green",
        "webLoad": "0", "webLoadStatus": "Green", "databaseServerLoad": "0.25", "databaseServerLoadStatus": "Green",
        "csServiceStatus": "Running", "ipAddress": CS_IP, "hostName": CS_NAME,
        "lastHeartbeat": minutes_ago(1, "ticks"),  # the fabric's heartbeat has 7-digit fractions
        "sslCertExpiryDate": "2028-03-18T14:07:03Z", "sslCertExpiryRemainingDays": 600,
        "psTemplateVersion": "202102.14.00", **agent(),
    }
    no_kek = {"kekState": "None", "kekCertThumbprint": None}

    fabrics = [
        _res(ids, fabric_rel, "replicationFabrics", cs_fabric, {
            "friendlyName": CS_NAME,
            "encryptionDetails": dict(no_kek),
            "rolloverEncryptionDetails": dict(no_kek),
            "internalIdentifier": internal,
            "bcdrState": "Valid",
            "customDetails": vmware,
            "healthErrorDetails": [],
            "health": "Normal",
        }),
        _res(ids, f"replicationFabrics/{az_fabric}", "replicationFabrics", az_fabric, {
            "friendlyName": "Microsoft Azure",
            "encryptionDetails": dict(no_kek),
            "rolloverEncryptionDetails": dict(no_kek),
            "internalIdentifier": uid("fabric-internal", "azure"),
            "bcdrState": "Valid",
            "customDetails": {"instanceType": "Azure", "location": "eastus", "containerIds": None},
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
            "fabricSpecificDetails": None,
        }, fabric=cs_fabric),
        _res(ids, f"replicationFabrics/{az_fabric}/replicationProtectionContainers/{az_container}",
             "replicationFabrics/replicationProtectionContainers", az_container, {
            "fabricFriendlyName": "Microsoft Azure",
            "friendlyName": "Microsoft Azure",
            "fabricType": "Azure",
            "protectedItemCount": 0,
            "pairingStatus": "Paired",
            "role": "Recovery",
            "fabricSpecificDetails": None,
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
        # The forward mapping's target container is the literal "Microsoft Azure" (REPROTECT_2021).
        _res(ids, f"{container_rel}/replicationProtectionContainerMappings/replication-mapping", mapping_type,
             "replication-mapping", {
            "targetProtectionContainerId": "Microsoft Azure",
            "targetProtectionContainerFriendlyName": "Microsoft Azure",
            "providerSpecificDetails": None,
            "health": "Normal",
            "healthErrorDetails": [],
            "policyId": fwd_policy_id,
            "state": "Paired",
            "sourceProtectionContainerFriendlyName": CS_NAME,
            "sourceFabricFriendlyName": CS_NAME,
            "targetFabricFriendlyName": "Microsoft Azure",
            "policyFriendlyName": fwd_policy,
        }, fabric=cs_fabric, container=cs_container),
        # The failback (reverse) mapping targets the configuration server's own container.
        _res(ids, f"{container_rel}/replicationProtectionContainerMappings/failback-mapping", mapping_type,
             "failback-mapping", {
            "targetProtectionContainerId": cs_container_id,
            "targetProtectionContainerFriendlyName": CS_NAME,
            "providerSpecificDetails": None,
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

    network = vnet_id(ids)

    def item(name, os_type, os_version, az_ip, src_ip, disks, group):
        # A failed-over, committed InMageAzureV2 item as SWITCH_2021 records it: reprotect is offered as
        # "SwitchProtection", the recovery address is Dynamic with no static address, the recovery fabric
        # is the literal "Microsoft Azure", and the Azure VM is named by targetVmId.
        iname = uid("item", name)
        rel = f"{container_rel}/replicationProtectedItems/{iname}"
        vm_uuid = uid("vmid", name)
        return _res(ids, rel, "replicationFabrics/replicationProtectionContainers/replicationProtectedItems", iname, {
            "friendlyName": name,
            "protectedItemType": "",
            "protectableItemId": f"{cs_container_id}/replicationProtectableItems/{vm_uuid}",
            "recoveryServicesProviderId": f"{ids.vault_id}/{fabric_rel}/replicationRecoveryServicesProviders/{internal}",
            "primaryFabricFriendlyName": CS_NAME,
            "primaryFabricProvider": "InMageFabric",
            "recoveryFabricFriendlyName": "Microsoft Azure",
            "recoveryFabricId": "Microsoft Azure",
            "primaryProtectionContainerFriendlyName": CS_NAME,
            "recoveryProtectionContainerFriendlyName": "Microsoft Azure",
            "protectionState": "UnplannedFailoverCommitted",
            "protectionStateDescription": "Failover committed",
            "activeLocation": "Recovery",
            "testFailoverState": "None",
            "testFailoverStateDescription": "None",
            "allowedOperations": ["CompleteMigration", "DisableProtection", "SwitchProtection"],
            "replicationHealth": "Normal",
            "failoverHealth": "Normal",
            "healthErrors": [],
            "policyId": fwd_policy_id,
            "policyFriendlyName": fwd_policy,
            "lastSuccessfulFailoverTime": minutes_ago(180, "micro"),
            "currentScenario": {"scenarioName": "None", "jobId": f"{ids.vault_id}/replicationJobs/None",
                                "startTime": NO_TIME},
            "failoverRecoveryPointId": None,
            "recoveryContainerId": az_container_id,
            "eventCorrelationId": uid("event", name),
            "providerSpecificDetails": {
                "instanceType": "InMageAzureV2",
                "infrastructureVmId": vm_uuid,
                "vCenterInfrastructureId": VCENTER_INTERNAL_ID,
                "protectionStage": "DifferentialSync",
                "vmId": vm_uuid,
                "vmProtectionState": "UnplannedFailoverCommitted",
                "vmProtectionStateDescription": "Failover committed",
                "resyncProgressPercentage": 0,
                "rpoInSeconds": 1583,
                "ipAddress": src_ip,
                "agentVersion": AGENT_VERSION,
                "agentExpiryDate": NEVER,
                "isAgentUpdateRequired": "NotRequired",
                "isRebootAfterUpdateRequired": "NotRequired",
                "lastHeartbeat": minutes_ago(2, "seconds"),
                "processServerId": ps_azure_id,
                "processServerName": PS_NAME,
                "multiVmGroupId": uid("group", group),
                "multiVmGroupName": group,
                "multiVmSyncStatus": "Enabled",
                "protectedDisks": [
                    {
                        "diskId": "{" + uid("disk", name, str(d)).upper() + "}",
                        "diskName": f"Disk{d}",
                        "protectionStage": "DifferentialSync",
                        "diskCapacityInBytes": 64424509440,
                        "diskResized": "NotResized",
                    }
                    for d in range(disks)
                ],
                "diskResized": "NotResized",
                "masterTargetId": mt_win_id if os_type == "Windows" else mt_lnx_id,
                "sourceVmCpuCount": 2,
                "sourceVmRamSizeInMB": 4096,
                "osType": os_type,
                "recoveryAzureVMName": name,
                "recoveryAzureVMSize": "Standard_D2s_v3",
                "recoveryAzureStorageAccount": None,
                "vmNics": [
                    {
                        "nicId": mac_address(name),
                        "replicaNicId": None,
                        "sourceNicArmId": None,
                        "vMNetworkName": "vmxnet3 Ethernet Adapter",
                        "recoveryVMNetworkId": network,
                        "ipConfigs": [
                            {
                                "name": None,
                                "isPrimary": True,
                                "subnetName": "VM Network",
                                "staticIPAddress": None,
                                "ipAddressType": "Dynamic",
                                "isSeletedForFailover": True,  # sic: the service's spelling
                                "recoverySubnetName": "snet-failover",
                                "recoveryStaticIPAddress": None,
                                "recoveryIPAddressType": "Dynamic",
                                "recoveryPublicIPAddressId": None,
                                "recoveryLBBackendAddressPoolIds": None,
                            }
                        ],
                        "selectionType": "SelectedByUser",
                        "recoveryNicName": None,
                        "recoveryNicResourceGroupName": None,
                        "reuseExistingNic": False,
                    }
                ],
                "selectedRecoveryAzureNetworkId": network,
                "selectedTfoAzureNetworkId": None,
                "discoveryType": "vCenter",
                "enableRdpOnTargetOption": "Never",
                "datastores": [DATASTORE],
                "targetVmId": vm_id(ids, name),
                "recoveryAzureResourceGroupId": f"/subscriptions/{ids.subscription_id}/resourceGroups/{RECOVERY_RG}",
                "useManagedDisks": "true",
                "licenseType": "NotSpecified",
                "sqlServerLicenseType": "NotSpecified",
                "validationErrors": [],
                "lastRpoCalculatedTime": minutes_ago(180, "seconds"),
                "lastUpdateReceivedTime": minutes_ago(180, "ticks"),
                "replicaId": f"{vm_uuid}_replica_{cs_container}",
                "osVersion": os_version,
                "protectedManagedDisks": [],
                "lastRecoveryPointReceived": minutes_ago(181, "ticks"),
                "firmwareType": "BIOS",
                "azureVmGeneration": "V1",
                "isAdditionalStatsAvailable": False,
                "totalDataTransferred": -1,
                "totalProgressHealth": "Completed",
                "targetVmTags": {},
                "targetNicTags": {},
            },
        }, fabric=cs_fabric, container=cs_container)

    items = [item(*vm) for vm in VMS]

    providers = [
        _res(ids, f"{fabric_rel}/replicationRecoveryServicesProviders/{internal}",
             "replicationFabrics/replicationRecoveryServicesProviders", internal, {
            "fabricType": "VMware",
            "friendlyName": CS_NAME,
            "providerVersion": PROVIDER_VERSION,
            "serverVersion": "0.0",
            "providerVersionState": "Latest",
            "providerVersionExpiryDate": NEVER,
            "fabricFriendlyName": CS_NAME,
            "lastHeartBeat": minutes_ago(1, "ticks"),  # capital B: the service's spelling (PROVIDERS_2021)
            "connectionStatus": "Connected",
            "protectedItemCount": 4,
            "allowedScenarios": ["Refresh"],
            "healthErrorDetails": [],
            "draIdentifier": internal,
            "machineId": None,
            "machineName": CS_NAME,
            "biosId": None,
            "authenticationIdentityDetails": None,
            "resourceAccessIdentityDetails": None,
            "dataPlaneAuthenticationIdentityDetails": None,
            "providerVersionDetails": _version_details(PROVIDER_VERSION),
        }, fabric=cs_fabric),
    ]
    vcenters = [
        _res(ids, f"{fabric_rel}/replicationvCenters/{VCENTER_NAME}", "replicationFabrics/replicationvCenters",
             VCENTER_NAME, {
            "friendlyName": VCENTER_NAME,
            "internalId": VCENTER_INTERNAL_ID,
            "lastHeartbeat": minutes_ago(3, "seconds"),
            "discoveryStatus": "Completed",
            "processServerId": cs_host,
            "ipAddress": VCENTER_IP,
            "infrastructureId": VCENTER_INTERNAL_ID,
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
        "resources": arm_resources(ids),
        "ps_vm_id": ps_vm_id(ids),
        # Run Command (runcommand.py): which links are closed where they start, how long a command takes.
        "run_command": {"seconds": 1.0, "retry_after": "1", "closed": [], "never": [], "agent_error": [],
                        "outputs": {}},
        "_make_item": item,
    }


VMS_INDEX = {vm[0]: i for i, vm in enumerate(VMS)}

# --- Resource Manager: the failed-over VMs and their virtual network --------------------
# Not in the vault: whether an Azure VM exists and runs, and its network's address space, come from
# Microsoft.Compute and Microsoft.Network. Shapes follow the REST spec's examples, 2024-07-01
# VirtualMachine_Get_InstanceView and 2024-05-01 VirtualNetworkGet (Azure/azure-rest-api-specs).
RECOVERY_RG = "rg-recovery"
NETWORK_RG = "rg-recovery-net"
VNET_NAME = "vnet-recovery"
VNET_SPACE = "10.1.0.0/16"
SUBNETS = {"snet-failover": "10.1.0.0/24", "snet-ps": "10.1.8.0/24"}
POWER_WORDS = {"running": "VM running", "stopped": "VM stopped", "deallocated": "VM deallocated",
               "starting": "VM starting", "deallocating": "VM deallocating"}


def vnet_id(ids: Ids, name: str = VNET_NAME) -> str:
    return ids.arm(NETWORK_RG, f"Microsoft.Network/virtualNetworks/{name}")


def vm_id(ids: Ids, name: str) -> str:
    return ids.arm(RECOVERY_RG, f"Microsoft.Compute/virtualMachines/{name}")


def instance_view(name: str, power: str, os_name: str) -> dict:
    statuses = [{"code": "ProvisioningState/succeeded", "level": "Info", "displayStatus": "Provisioning succeeded",
                 "time": minutes_ago(175)}]
    if power:
        statuses.append({"code": f"PowerState/{power}", "level": "Info",
                         "displayStatus": POWER_WORDS.get(power, power)})
    return {"computerName": name, "osName": os_name, "hyperVGeneration": "V1",
            "vmAgent": {"vmAgentVersion": "2.7.41491.1102", "statuses": []}, "statuses": statuses}


def azure_vm(ids: Ids, name: str, os_type: str, os_name: str, power: str = "running", disks: int = 1) -> dict:
    """A failed-over VM as Compute serves it: its managed disks sized as the source's (60 GB each)."""
    vid = vm_id(ids, name)
    return {
        "name": name, "id": vid, "type": "Microsoft.Compute/virtualMachines", "location": "eastus",
        "properties": {
            "vmId": uid("azure-vmid", name),
            "hardwareProfile": {"vmSize": "Standard_D2s_v3"},
            "storageProfile": {
                "osDisk": {"osType": os_type, "name": f"{name}-osdisk", "createOption": "Attach", "diskSizeGB": 60},
                "dataDisks": [{"lun": d - 1, "name": f"{name}-data{d}", "createOption": "Attach", "diskSizeGB": 60}
                              for d in range(1, disks)],
            },
            "networkProfile": {"networkInterfaces": [
                {"id": ids.arm(RECOVERY_RG, f"Microsoft.Network/networkInterfaces/{name}-nic")}]},
            "provisioningState": "Succeeded",
            "timeCreated": minutes_ago(180),
        },
        "_instanceView": instance_view(name, power, os_name),
    }


def virtual_network(ids: Ids, name: str = VNET_NAME, space: tuple[str, ...] = (VNET_SPACE,),
                    subnets: dict | None = None, peerings: tuple[dict, ...] = ()) -> dict:
    nid = vnet_id(ids, name)
    return {
        "name": name, "id": nid, "type": "Microsoft.Network/virtualNetworks", "location": "eastus",
        "etag": 'W/"' + uid("etag", name) + '"',
        "properties": {
            "provisioningState": "Succeeded",
            "resourceGuid": uid("vnet-guid", name),
            "addressSpace": {"addressPrefixes": list(space)},
            "subnets": [
                {"name": sname, "id": f"{nid}/subnets/{sname}",
                 "properties": {"provisioningState": "Succeeded", "addressPrefix": prefix,
                                "privateEndpointNetworkPolicies": "Disabled",
                                "privateLinkServiceNetworkPolicies": "Enabled"}}
                for sname, prefix in (SUBNETS if subnets is None else subnets).items()
            ],
            "virtualNetworkPeerings": list(peerings),
            "enableDdosProtection": False,
        },
    }


PS_VM_RG = "rg-asr-infra"  # where the process server's Azure VM was deployed (from the Marketplace image)


def ps_vm_id(ids: Ids) -> str:
    return ids.arm(PS_VM_RG, f"Microsoft.Compute/virtualMachines/{PS_NAME}")


def arm_resources(ids: Ids) -> dict:
    """The site's Azure VMs (running), the process server's VM, and their network, by lower-case id."""
    out = {}
    for name, os_type, os_version, _az_ip, _src_ip, disks, _group in VMS:
        vm = azure_vm(ids, name, os_type, os_version, disks=disks)
        out[vm["id"].lower()] = vm
    ps = azure_vm(ids, PS_NAME, "Windows", WINDOWS_2016)
    ps["id"] = ps_vm_id(ids)
    out[ps["id"].lower()] = ps
    net = virtual_network(ids)
    out[net["id"].lower()] = net
    return out


# A list of protected items is "lite" (SWITCH_2021, FAILBACK_2021): the same item read alone carries
# its disks, master target, CPU and memory; the list leaves them empty. No recording shows a list of
# InMageRcm items, so those are served whole.
_LITE = {
    "inmageazurev2": {"protectedDisks": [], "masterTargetId": None, "sourceVmCpuCount": 0, "sourceVmRamSizeInMB": 0,
                      "vhdName": None, "osDiskId": None, "azureVMDiskDetails": None, "protectedManagedDisks": [],
                      "diskResized": None},
    "inmage": {"protectedDisks": [], "masterTargetId": None, "osDetails": None, "consistencyPoints": None,
               "retentionWindowStart": None, "retentionWindowEnd": None, "diskResized": None},
}


def lite(item: dict) -> dict:
    """An item as a list response carries it."""
    details = item["properties"].get("providerSpecificDetails") or {}
    blank = _LITE.get(str(details.get("instanceType", "")).lower())
    if not blank:
        return item
    out = copy.copy(item)
    out["properties"] = {**item["properties"], "failoverRecoveryPointId": None,
                         "providerSpecificDetails": {**details, **blank}}
    return out


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
    # The Azure PS: stale heartbeat, health errors, address outside the VMs' network (10.1.0.0/16).
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
    win["agentVersionDetails"] = _version_details(NEWER_AGENT_VERSION)
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
                WINDOWS_2016 if windows else RHEL_7,
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
            # The site's datastores (SITE.md): the failback VMs' own, and one DC0_H0 mounts read-only.
            "accessibleDatastores": ["vmfs-prod01", "vmfs-ro01"],
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
        # The way back: the Azure container mapped to the site's with the InMageRcmFailback policy. No
        # recording shows one; the shape is the SDK's ProtectionContainerMapping with
        # InMageRcmFailback... details, as Site Recovery creates it beside the replication mapping.
        _res(ids, f"replicationFabrics/{az_fabric}/replicationProtectionContainers/{az_container}/"
                  "replicationProtectionContainerMappings/failback-mapping", mapping_type, "failback-mapping", {
            "targetProtectionContainerId": f"{ids.vault_id}/{container_rel}",
            "targetProtectionContainerFriendlyName": site,
            "providerSpecificDetails": {"instanceType": "InMageRcmFailback"},
            "health": "Normal", "healthErrorDetails": [], "policyId": f"{ids.vault_id}/replicationPolicies/failback-policy",
            "state": "Paired", "sourceProtectionContainerFriendlyName": "Microsoft Azure",
            "sourceFabricFriendlyName": "Microsoft Azure", "targetFabricFriendlyName": site,
            "policyFriendlyName": "failback-policy",
        }, fabric=az_fabric, container=az_container),
    ]
    network = vnet_id(ids)
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
                "targetNetworkId": network,
                "lastRpoInSeconds": 60,
                "resyncRequired": "false",
                "protectedDisks": [
                    {"diskId": f"6000C29{d}{VMS_INDEX[name]:08d}", "diskName": f"{name}_disk{d}",
                     "isOSDisk": "true" if d == 0 else "false", "capacityInBytes": 64424509440,
                     "diskType": "Standard_LRS"}
                    for d in range(disks)
                ],
                "isAgentRegistrationSuccessfulAfterFailover": True,
                # The agent in the Azure VM reports here (the SDK's InMageRcmMobilityAgentDetails).
                "mobilityAgentDetails": {"version": "9.62.7172.1", "latestVersion": "9.62.7172.1",
                                         "agentVersionExpiryDate": None, "driverVersion": "9.62.7172.1",
                                         "isUpgradeable": "false", "lastHeartbeatUtc": minutes_ago(2),
                                         "reasonsBlockingUpgrade": []},
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
        "resources": arm_resources(ids),
    }


def _rcm_details(s: dict) -> dict:
    return next(f for f in s["fabrics"] if f["properties"]["customDetails"]["instanceType"] == "InMageRcm")[
        "properties"]["customDetails"]


# A modernized vault broken one way each: what each appliance check must catch. No recording shows an
# InMageRcm fabric; the faults use the SDK's fields and values (health "Critical", HealthError codes).
MODERNIZED_BROKEN = {
    "modernized-appliance-down": "the appliance's provider (DRA) disconnected an hour ago",
    "modernized-component-critical": "the RCM proxy critical with a health error; the push installer silent",
    "modernized-reprotect-stale": "the reprotect agent last discovered vCenter two days ago",
    "modernized-no-failback-policy": "the failback policy exists but is associated with nothing",
    "modernized-too-many-disks": "the VMs to fail back carry 64 disks between them",
    "modernized-vm-not-ready": "db01: its agent did not register after failover, and its data disk was "
                               "resized in Azure",
}


def _modernized_broken(name: str, ids: Ids) -> dict:
    s = _modernized(ids)
    details = _rcm_details(s)
    if name == "modernized-appliance-down":
        s["providers"][0]["properties"].update(connectionStatus="NotConnected", lastHeartBeat=minutes_ago(65))
    elif name == "modernized-component-critical":
        proxy = details["rcmProxies"][0]
        proxy.update(health="Critical", healthErrors=[_health_error(
            "150019", "The RCM proxy cannot reach the Site Recovery service.",
            "Check the appliance's outbound 443 to the Site Recovery URLs.", level="Critical", minutes=20)])
        details["pushInstallers"][0]["lastHeartbeatUtc"] = minutes_ago(90)
    elif name == "modernized-reprotect-stale":
        details["reprotectAgents"][0]["lastDiscoveryInUtc"] = minutes_ago(2 * 24 * 60)
    elif name == "modernized-no-failback-policy":
        s["mappings"] = [m for m in s["mappings"] if m["name"] != "failback-mapping"]
    elif name == "modernized-vm-not-ready":
        item = next(i for i in s["items"] if i["properties"]["friendlyName"] == "db01")
        item["properties"]["providerSpecificDetails"]["isAgentRegistrationSuccessfulAfterFailover"] = False
        vm = s["resources"][vm_id(ids, "db01").lower()]
        vm["properties"]["storageProfile"]["dataDisks"][0]["diskSizeGB"] = 128
    elif name == "modernized-too-many-disks":
        for item in s["items"]:
            details_ = item["properties"]["providerSpecificDetails"]
            details_["protectedDisks"] = [
                {"diskId": f"6000C29{d:02d}{item['name'][-6:]}", "diskName": f"{item['properties']['friendlyName']}_disk{d}",
                 "isOSDisk": "true" if d == 0 else "false", "capacityInBytes": 64424509440, "diskType": "Standard_LRS"}
                for d in range(32)]
    return s


def _shapes() -> dict:
    from .shapes import SHAPES

    return SHAPES


# Reprotect jobs that fail part way: (modernized?, the fault: at which task, with which error).
REPROTECT_FAULTS = {
    "reprotect-wrong-datastore": (False, {
        "task": 2, "code": "78006", "message": "The datastore is not accessible from the master target.",
        "causes": "The datastore chosen for reprotect is not mounted on the master target's ESXi host.",
        "action": "Choose a datastore the master target's host mounts, or mount it there, and retry."}),
    "reprotect-mt-cannot-reach-ps": (False, {
        "task": 1, "code": "78999", "message": "The master target could not connect to the process server.",
        "causes": "The master target cannot reach the process server's data port (9443) over the VPN.",
        "action": "Open the route and port from the master target to the process server, then retry."}),
    "reprotect-vm-deleted": (False, {
        "task": 2, "code": "78143", "message": "The virtual machine was not found in Azure.",
        "causes": "The failed-over virtual machine was deleted while the reprotect ran.",
        "action": "Disable protection of the item and protect the machine again.", "delete_vm": "app01"}),
    "modernized-reprotect-wrong-datastore": (True, {
        "task": 1, "code": "150207", "message": "The datastore is not accessible by the reprotect agent.",
        "causes": "The datastore chosen for reprotect is not in the appliance's discovered datastores.",
        "action": "Choose a datastore the reprotect agent lists, then retry."}),
}


def build(name: str, ids: Ids) -> dict:
    """Return a fresh, mutable state for scenario *name*."""
    if name == "healthy-classic":
        s = _classic(ids)
    elif name == "broken-classic":
        s = _broken(ids)
    elif name == "modernized":
        s = _modernized(ids)
    elif name in MODERNIZED_BROKEN:
        s = _modernized_broken(name, ids)
    elif name == "scale":
        s = _scale(ids)
    elif name == "denied":
        s = _classic(ids)
        s["deny_access"] = True
    elif name == "probe-cs-closed":
        # The failed-over VMs cannot reach the configuration server on 443: Mobility error 95226.
        s = _classic(ids)
        s["run_command"]["closed"] = [{"from": "vm", "link": "vm-cs"}]
    elif name == "probe-denied":
        s = _classic(ids)
        s["denied_actions"] = ["microsoft.compute/virtualmachines/runcommand/action"]
    elif name == "probe-agent-error":
        s = _classic(ids)
        s["run_command"]["agent_error"] = ["web01"]
    elif name == "probe-never":
        s = _classic(ids)
        s["run_command"]["never"] = ["db01"]
    elif name in REPROTECT_FAULTS:
        # A reprotect that fails at one task with the service's error. No public recording shows these
        # jobs: the causes are documented ones, the codes are placeholders, not Site Recovery's.
        modernized, fault = REPROTECT_FAULTS[name]
        s = _modernized(ids) if modernized else _classic(ids)
        s["operation_fault"] = dict(fault)
        if fault.get("delete_vm"):
            s["operation_fault"]["delete_vm"] = vm_id(ids, fault["delete_vm"])
    elif name == "demo":
        s = _classic(ids)
        for shape in DEMO_SHAPES:
            _shapes()[shape].apply(s, ids)
    elif name.startswith("shape:") and name[6:] in _shapes():
        s = _classic(ids)
        _shapes()[name[6:]].apply(s, ids)
    else:
        known = [*SCENARIOS, *(f"shape:{n}" for n in _shapes())]
        raise ValueError(f"unknown scenario {name!r}; known: {', '.join(known)}")
    s.pop("_make_item", None)
    s["name"] = name
    return copy.deepcopy(s)
