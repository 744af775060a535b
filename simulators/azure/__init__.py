"""Loopback emulator of Microsoft Entra sign-in and the Azure Site Recovery ARM API.

It speaks HTTPS on ``127.0.0.1`` with a certificate from a CA generated at start, so the
real ``azure-identity`` and ``azure-mgmt-recoveryservicessiterecovery`` clients talk to it
unchanged.  The vault describes the site of ``simulators/SITE.md``.

How a client connects (the product does the same with an ``arm_endpoint``/``authority`` override)::

    from azure.identity import ClientSecretCredential, DeviceCodeCredential
    from azure.mgmt.recoveryservicessiterecovery import SiteRecoveryManagementClient

    with AzureEmulator("healthy-classic") as emu:
        cred = ClientSecretCredential(
            emu.tenant_id, emu.client_id, emu.client_secret,
            authority=emu.authority,            # "https://127.0.0.1:PORT" (no tenant, no path)
            disable_instance_discovery=True,    # REQUIRED: otherwise MSAL asks login.microsoftonline.com
            connection_verify=emu.ca_file,      # trust the emulator CA (azure-core transport)
        )
        client = SiteRecoveryManagementClient(
            cred, emu.subscription_id,
            base_url=emu.base_url,
            credential_scopes=["https://management.azure.com/.default"],   # any "<resource>/.default"
            connection_verify=emu.ca_file,
        )
        client.replication_fabrics.list(emu.resource_group, emu.vault)

Trusting the CA: ``connection_verify=<ca_file>`` passed to the credential AND to the
management client works, because azure-identity gives MSAL its own azure-core pipeline
(MSAL makes no HTTP calls of its own); the kwarg reaches ``RequestsTransport``.  The
alternative ``REQUESTS_CA_BUNDLE=<ca_file>`` in the environment also works for both (requests
reads it when ``verify`` is left at ``True``), but it replaces the system bundle for the whole
process, so prefer the kwarg.  ``DeviceCodeCredential(client_id=..., tenant_id=...,
authority=emu.authority, disable_instance_discovery=True, connection_verify=emu.ca_file,
prompt_callback=cb)`` works the same way; the emulator approves the code after
``device_auto_approve_after`` pending polls (default 1) and answers with ``interval`` =
``device_poll_interval`` (default 1 s; set 0 in tests).  ``emu.last_user_code`` is the code shown.

Sign-in endpoints (all under ``authority``): ``/{tenant}/v2.0/.well-known/openid-configuration``,
``/{tenant}/oauth2/v2.0/token`` (client_credentials, device_code, refresh_token),
``/{tenant}/oauth2/v2.0/devicecode``, ``/common/discovery/instance`` (only reachable if a client
passes it explicitly).  Wrong secret -> 401 ``invalid_client`` AADSTS7000215 (azure-identity raises
``ClientAuthenticationError``); unknown client id -> AADSTS700016; unknown tenant -> 400 AADSTS90002
(from OIDC discovery and the token endpoint).

ARM: api-version ``2025-08-01`` (any ``YYYY-MM-DD`` is accepted; missing -> 400
``MissingApiVersionParameter``).  Missing/unknown bearer -> 401 ``AuthenticationFailed`` /
``InvalidAuthenticationToken``; after ``expire_tokens()`` -> 401 ``ExpiredAuthenticationToken`` with
``WWW-Authenticate``.  Unknown subscription/resource group/vault -> 404 ``SubscriptionNotFound`` /
``ResourceGroupNotFound`` / ``ResourceNotFound``.  Lists page with an absolute ``nextLink``
(``$skipToken``); protected items 2 per page by default.  ``refreshProvider`` and ``reProtect`` answer
202 with ``Location``, ``Azure-AsyncOperation`` and ``Retry-After: 1``; the status URL says
``InProgress`` once, then ``Succeeded``; ``Location`` then returns the resource.

Resource Manager outside the vault: ``GET`` of the failed-over VMs
(``/subscriptions/.../resourceGroups/rg-recovery/providers/Microsoft.Compute/virtualMachines/<name>``,
``$expand=instanceView`` or ``/instanceView``) and of their virtual network (``Microsoft.Network/virtualNetworks``),
from ``state["resources"]``; a missing one answers 404 ``ResourceNotFound`` (``ResourceGroupNotFound`` for an
unknown group), and ``deny(action)`` makes reads needing that action answer 403 ``AuthorizationFailed``.

Payloads follow recorded traffic of real classic vaults (``scenarios.Recording`` names each source);
``shape:<name>`` scenarios (``shapes.SHAPES``) add one recorded shape each to the healthy site.

Run standalone: ``python -m simulators.azure --scenario healthy-classic --port 0`` prints one JSON
line (``AzureEmulator.info()``) and serves until stdin reaches EOF or SIGTERM/SIGINT.
"""

from .scenarios import SCENARIOS
from .server import API_VERSION, AzureEmulator, RequestRecord

__all__ = ["AzureEmulator", "SCENARIOS", "API_VERSION", "RequestRecord"]
