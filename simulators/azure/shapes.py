"""Scenarios that each put one shape of real vault traffic into the healthy classic site.

The healthy classic scenario already speaks as recorded vaults do (bare-letter retention volumes,
Green/Yellow/Red statuses, GB strings, host ids, "Microsoft Azure" literals, dynamic recovery
addresses, seven-digit time stamps, "SwitchProtection"). Each shape here changes what one check
must read differently, and names the recording it follows (repository, path, commit); a shape no
recording shows says so and where its form comes from instead. `build("shape:<name>")` loads one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from . import scenarios as sc


@dataclass(frozen=True)
class Shape:
    name: str
    about: str
    source: sc.Recording | None
    unrecorded: str  # why there is no recording, and where the form comes from; "" when recorded
    apply: Callable[[dict, sc.Ids], None]


def _details(state: dict) -> dict:
    return state["fabrics"][0]["properties"]["customDetails"]


def _server(state: dict, kind: str, name: str) -> dict:
    servers = _details(state)["processServers" if kind == "ps" else "masterTargetServers"]
    key = "friendlyName" if kind == "ps" else "name"
    return next(s for s in servers if s[key] == name)


def _item(state: dict, name: str) -> dict:
    return next(i for i in state["items"] if i["properties"]["friendlyName"] == name)["properties"]


def _ps_without_health(state: dict, ids: sc.Ids) -> None:
    # 2017 process servers carry no health, health errors, expiry, version details, stats or MARS keys.
    for ps in _details(state)["processServers"]:
        for key in ("healthErrors", "health", "agentExpiryDate", "agentVersionDetails", "psStatsRefreshTime",
                    "throughputUploadPendingDataInBytes", "throughputInMBps", "throughputInBytes",
                    "throughputStatus", "marsCommunicationStatus", "marsRegistrationStatus"):
            ps.pop(key, None)


def _fabric_health_error(state: dict, ids: sc.Ids) -> None:
    # The 2017 fabric-level key set: no summaryMessage, errorSource/errorType null, "+05:30" in a *Utc field.
    # Of the recorded errors, one at Error level that blocks, and a certificate notice that only warns.
    fabric = state["fabrics"][0]["properties"]
    fabric["health"] = "Error"
    common = {"errorSource": None, "errorType": None, "errorLevel": "Error", "recoveryProviderErrorMessage": None,
              "entityId": "", "creationTimeUtc": "2026-11-30T09:10:05.8607079+05:30"}
    fabric["healthErrorDetails"] = [
        {**common, "errorCode": "AcsToAadMigrationPending",
         "errorMessage": "The vault's move from ACS to Microsoft Entra authentication is still pending.",
         "possibleCauses": "The configuration server still authenticates through ACS.",
         "recommendedAction": "Move the configuration server to Entra authentication; retry the job if it failed."},
        {**common, "errorCode": "InMageCSSSLCertificateAboutToExpire",
         "errorMessage": "The certificate that secures traffic between Site Recovery and the configuration "
                         "server expires soon.",
         "possibleCauses": "The configuration server's SSL certificate is close to its expiry date.",
         "recommendedAction": "Renew the certificate on the configuration server."},
    ]


def _certificates_expired(state: dict, ids: sc.Ids) -> None:
    # A recorded configuration server showed sslCertExpiryRemainingDays -113.
    for server in (_details(state), _server(state, "ps", sc.PS_NAME)):
        server.update(sslCertExpiryDate="2026-08-09T08:08:02Z", sslCertExpiryRemainingDays=-113)


def _agents(status: str, roles: tuple[str, ...]) -> Callable[[dict, sc.Ids], None]:
    def apply(state: dict, ids: sc.Ids) -> None:
        servers = {"cs": _details(state), "ps": _server(state, "ps", sc.PS_NAME),
                   "mt": _server(state, "mt", "mt-win01")}
        for role in roles:
            server = servers[role]
            server["versionStatus"] = status
            # 2017 servers state it only as versionStatus; newer ones in agentVersionDetails too.
            server.pop("agentVersionDetails", None)
            server.pop("agentExpiryDate", None)
    return apply


def _ps_cpu_red(state: dict, ids: sc.Ids) -> None:
    ps = _server(state, "ps", sc.PS_NAME)
    ps.update(cpuLoad="92%", cpuLoadStatus="Red", memoryUsageStatus="Yellow", systemLoad="10",
              systemLoadStatus="Yellow")


def _vcenter_pending(state: dict, ids: sc.Ids) -> None:
    # The spec example's vCenter: discovery "Pending", and no lastHeartbeat, infrastructureId or healthErrors.
    vc = state["vcenters"][0]["properties"]
    vc["discoveryStatus"] = "Pending"
    for key in ("lastHeartbeat", "infrastructureId", "healthErrors"):
        vc.pop(key, None)


def _item_health_2017(state: dict, ids: sc.Ids) -> None:
    # 2017 items report health in replicationHealthErrors/failoverHealthErrors (with childErrors), not healthErrors.
    for name in ("app01", "db01"):
        item = _item(state, name)
        item.pop("healthErrors", None)
        item["replicationHealthErrors"] = []
        item["failoverHealthErrors"] = []
    app01 = _item(state, "app01")
    app01["replicationHealth"] = "Warning"
    app01["replicationHealthErrors"] = [{
        "errorSource": "ReplicationUnitProviderErrorOnPrimary", "errorType": None, "errorLevel": "Warning",
        "errorCode": "78026",
        "errorMessage": "The recovery point objective of disk 'Disk0' is above the configured threshold.",
        "possibleCauses": "\n            The disk changes faster than the link to the process server carries.\n",
        "recommendedAction": "\n          Check the bandwidth between the VM and the process server.\n",
        "creationTimeUtc": "2026-11-30T06:40:39.573514Z", "recoveryProviderErrorMessage": None,
        "entityId": sc.uid("entity", "app01"), "childErrors": [],
    }]


def _already_reprotected(state: dict, ids: sc.Ids) -> None:
    reprotected(_item(state, "app01"), ids)


def reprotected(item: dict, ids: sc.Ids) -> None:
    """An item's properties after its reprotect (FAILBACK_2021): it replicates back with the InMage
    provider, Protected, active location Primary."""
    name = item["friendlyName"]
    details = item.get("providerSpecificDetails") or {}
    item.update(protectionState="Protected", protectionStateDescription="Protected", activeLocation="Primary",
                allowedOperations=["UnplannedFailover", "DisableProtection"], failoverRecoveryPointId="",
                policyId=f"{ids.vault_id}/replicationPolicies/failback-policy", policyFriendlyName="failback-policy")
    item["providerSpecificDetails"] = {
        "instanceType": "InMage", "activeSiteType": "Azure", "sourceVmCpuCount": 0, "sourceVmRamSizeInMB": 0,
        "osDetails": None, "protectionStage": "DifferentialSync", "vmId": sc.uid("replica", name),
        "vmProtectionState": "Protected", "vmProtectionStateDescription": "Protected",
        "resyncDetails": {"initialReplicationType": "InitialReplication", "initialReplicationProgressPercentage": "0"},
        "retentionWindowStart": None, "retentionWindowEnd": None, "rpoInSeconds": 242, "protectedDisks": [],
        "ipAddress": details.get("ipAddress"), "lastHeartbeat": sc.minutes_ago(3),
        "processServerId": sc.host_id("host", sc.PS_NAME),
        "masterTargetId": None, "consistencyPoints": None, "diskResized": None, "rebootAfterUpdateStatus": None,
        "multiVmGroupId": details.get("multiVmGroupId"), "multiVmGroupName": details.get("multiVmGroupName"),
        "multiVmSyncStatus": "Enabled",
        "agentDetails": {"agentVersion": sc.AGENT_VERSION, "agentUpdateStatus": "NotRequired",
                         "postUpdateRebootStatus": "NotRequired", "agentExpiryDate": sc.NEVER},
        "vCenterInfrastructureId": None, "discoveryType": "Physical", "datastores": [sc.DATASTORE],
        "validationErrors": [], "osVersion": None, "totalProgressHealth": "Completed",
    }


def reprotected_modernized(item: dict, ids: sc.Ids, request: dict) -> None:
    """A modernized item after its reprotect: it replicates back with the InMageRcmFailback provider, the
    initial replication under way. No public recording shows one; the fields are the SDK's
    InMageRcmFailbackReplicationDetails, with the values the reprotect was given."""
    name = item["friendlyName"]
    details = item.get("providerSpecificDetails") or {}
    item.update(protectionState="InitialReplicationPending", protectionStateDescription="Initial replication pending",
                activeLocation="Primary", replicationHealth="Normal", allowedOperations=["DisableProtection"],
                policyId=request.get("policyId"), policyFriendlyName="failback-policy")
    item["providerSpecificDetails"] = {
        "instanceType": "InMageRcmFailback", "internalIdentifier": details.get("internalIdentifier"),
        "azureVirtualMachineId": sc.vm_id(ids, name), "multiVmGroupName": details.get("multiVmGroupName"),
        "reprotectAgentId": request.get("reprotectAgentId"), "reprotectAgentName": details.get("processServerName"),
        "osType": details.get("osType"), "logStorageAccountId": request.get("logStorageAccountId"),
        "targetvCenterId": sc.uid("vcenter", sc.VCENTER_NAME), "targetDataStoreName": request.get("datastoreName"),
        "targetVmName": name, "initialReplicationProgressPercentage": 0, "initialReplicationProcessedBytes": 0,
        "initialReplicationTransferredBytes": 0, "initialReplicationProgressHealth": "Normal",
        "resyncProgressPercentage": None, "resyncRequired": "false", "resyncState": "None",
        "lastPlannedFailoverStatus": None, "lastUsedPolicyId": request.get("policyId"),
        "lastUsedPolicyFriendlyName": "failback-policy",
        "isAgentRegistrationSuccessfulAfterFailover": True,
        "mobilityAgentDetails": details.get("mobilityAgentDetails"),
        "protectedDisks": details.get("protectedDisks", []), "vmNics": details.get("vmNics", []),
    }


def _failed_back(state: dict, ids: sc.Ids) -> None:
    # After the failback's commit: the InMage item reads "Failover committed" at "Recovery", which is on-premises.
    _already_reprotected(state, ids)
    item = _item(state, "app01")
    item.update(protectionState="UnplannedFailoverCommitted", protectionStateDescription="Failover committed",
                activeLocation="Recovery", allowedOperations=["CompleteMigration", "DisableProtection", "SwitchProtection"])
    item["providerSpecificDetails"].update(activeSiteType="OnPrem", vmProtectionState="UnplannedFailoverCommitted",
                                           vmProtectionStateDescription="Failover committed")


def _vm_gone(state: dict, ids: sc.Ids) -> None:
    # The vault keeps naming a VM that was deleted in Azure; Resource Manager answers 404.
    del state["resources"][sc.vm_id(ids, "app01").lower()]


def _vm_deallocated(state: dict, ids: sc.Ids) -> None:
    vm = state["resources"][sc.vm_id(ids, "db01").lower()]
    vm["_instanceView"] = sc.instance_view("db01", "deallocated", sc.WINDOWS_2016)


def _ps_peered(state: dict, ids: sc.Ids) -> None:
    # The process server sits in a hub network peered to the VMs' network.
    _server(state, "ps", sc.PS_NAME)["ipAddress"] = "10.50.0.4"
    vnet = state["resources"][sc.vnet_id(ids).lower()]
    vnet["properties"]["virtualNetworkPeerings"] = [{
        "name": "to-hub", "id": f"{vnet['id']}/virtualNetworkPeerings/to-hub",
        "properties": {"peeringState": "Connected", "peeringSyncLevel": "FullyInSync",
                       "remoteVirtualNetwork": {"id": sc.vnet_id(ids, "vnet-hub")},
                       "remoteAddressSpace": {"addressPrefixes": ["10.50.0.0/16"]},
                       "allowVirtualNetworkAccess": True, "allowForwardedTraffic": False,
                       "provisioningState": "Succeeded"},
    }]


def _policy_other_values(state: dict, ids: sc.Ids) -> None:
    policy = next(p for p in state["policies"] if p["name"] == "failback-policy")
    policy["properties"]["providerSpecificDetails"].update(
        recoveryPointThresholdInMinutes=5, recoveryPointHistory=2400, appConsistentFrequencyInMinutes=900)


def _linux_lsb(state: dict, ids: sc.Ids) -> None:
    # A recorded Ubuntu master target carries its lsb-release lines, quotes included, as osVersion.
    _server(state, "mt", "mt-lnx01")["osVersion"] = (
        'DISTRIB_ID=Ubuntu DISTRIB_RELEASE=20.04 DISTRIB_CODENAME=focal DISTRIB_DESCRIPTION="Ubuntu 20.04.6 LTS"')


FAILBACK_2017 = sc.Recording(sc.POWERSHELL, sc._V2A + "v2aFailbackReprotect.json",
                             "9a190670abc99e50eef71bd6348191e498b36026", "2018-01-10")

SHAPES: dict[str, Shape] = {s.name: s for s in (
    Shape("ps-without-health", "process servers with no health keys (older API versions)",
          sc.FABRICS_2017, "", _ps_without_health),
    Shape("fabric-health-error", "the fabric itself rated Error, with healthErrorDetails",
          sc.FABRICS_2017, "", _fabric_health_error),
    Shape("certificates-expired", "the configuration server's and the process server's certificates expired",
          sc.FABRICS_2017, "", _certificates_expired),
    Shape("agents-not-supported", "versionStatus NotSupported on the process server and the master target",
          sc.FABRICS_2017, "", _agents("NotSupported", ("ps", "mt"))),
    Shape("agent-update-required", "versionStatus UpdateRequired on the configuration server",
          sc.FABRICS_2017, "", _agents("UpdateRequired", ("cs",))),
    Shape("agent-deprecated", "versionStatus Deprecated on the master target", None,
          "no recording shows Deprecated; it is a value of the SDK's AgentVersionStatus", _agents("Deprecated", ("mt",))),
    Shape("agent-security-update", "versionStatus SecurityUpdateRequired on the process server", None,
          "no recording shows SecurityUpdateRequired; it is a value of the SDK's AgentVersionStatus",
          _agents("SecurityUpdateRequired", ("ps",))),
    Shape("ps-cpu-red", "the process server's CPU at 92 % and coloured Red", sc.FABRICS_2017, "", _ps_cpu_red),
    Shape("vcenter-discovery-pending", "a vCenter whose discovery is Pending", sc.VCENTER_PENDING, "",
          _vcenter_pending),
    Shape("item-health-2017", "item health errors in replicationHealthErrors", sc.ITEMS_2017, "", _item_health_2017),
    Shape("already-reprotected", "app01 already reprotected: an InMage item replicating back",
          sc.FAILBACK_2021, "", _already_reprotected),
    Shape("failed-back", "app01 already failed back: the InMage item's failover committed",
          sc.REPROTECT_2021, "", _failed_back),
    Shape("policy-other-values", "a failback policy of 5 min / 2400 min / 900 min", FAILBACK_2017, "",
          _policy_other_values),
    Shape("linux-lsb-release", "a Linux master target whose osVersion is its lsb-release line",
          sc.FABRICS_2017, "", _linux_lsb),
    Shape("vm-gone", "app01's Azure VM deleted while the vault still names it", None,
          "the vault's side is the healthy item; Resource Manager's 404 ResourceNotFound is its documented answer",
          _vm_gone),
    Shape("vm-deallocated", "db01's Azure VM deallocated", None,
          "the instance view follows the REST spec's VirtualMachine_Get_InstanceView example (2024-07-01)",
          _vm_deallocated),
    Shape("ps-peered", "the process server in a hub network peered to the VMs' network", None,
          "the peering follows the REST spec's VirtualNetworkPeering shape (2024-05-01)", _ps_peered),
)}
