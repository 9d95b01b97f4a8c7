// The Balcão Virtual backend: a Python 3.11 Function App on the Flex Consumption plan (FC1).
//
// Everything it reaches is reached with its user-assigned identity:
//   - AzureWebJobsStorage (host state, queues, tables, blobs) through identity-based connection settings;
//   - the deployment package container (functionAppConfig.deployment.storage);
//   - Key Vault references in app settings (keyVaultReferenceIdentity);
//   - Application Insights with Entra authentication (APPLICATIONINSIGHTS_AUTHENTICATION_STRING).
// No app setting holds an account key, a SAS or a secret value.
//
// Flex Consumption takes the language and version from functionAppConfig.runtime: FUNCTIONS_WORKER_RUNTIME
// and FUNCTIONS_EXTENSION_VERSION are deprecated there and must not be set, nor WEBSITE_RUN_FROM_PACKAGE,
// WEBSITE_CONTENT* or the siteConfig properties linuxFxVersion, alwaysOn and ftpsState (no FTP on Flex).

@description('Function App name (globally unique host name).')
param name string

@description('Name of the Flex Consumption plan (one app per plan).')
param planName string

@description('Azure region (must offer Flex Consumption).')
param location string

@description('Tags applied to the plan and the app (azd-service-name is added on the app).')
param tags object = {}

@description('Resource id of the user-assigned identity.')
param identityId string

@description('Client id of the user-assigned identity.')
param identityClientId string

@description('Primary blob endpoint of the storage account (https://<account>.blob.core.windows.net/).')
param blobEndpoint string

@description('Primary queue endpoint of the storage account.')
param queueEndpoint string

@description('Primary table endpoint of the storage account.')
param tableEndpoint string

@description('Blob container that receives the deployment package.')
param deploymentContainerName string

@description('Application Insights connection string (identifies the component; carries no secret).')
param applicationInsightsConnectionString string

@description('Vault URI (https://<vault>.vault.azure.net/).')
param keyVaultUri string

@description('Settings served from Key Vault: [{ setting, secretName }].')
param secretRefs array

@description('Blob path <container>/<name> of the deployed configuration file.')
param configBlob string

@description('Public base URL of the citizen site (BALCAO_PUBLIC_BASE_URL).')
param publicBaseUrl string

@description('Origins allowed to call the API from a browser (CORS and BALCAO_SITE_ORIGINS).')
param siteOrigins array

@description('Entra tenant of the Microsoft 365 organisation that hosts the Teams meetings.')
param graphTenantId string

@description('Client id of the Graph application registration (empty when the managed identity is used).')
param graphClientId string = ''

@description('"true": call Graph with the managed identity; "false": with the app registration and its secret.')
@allowed([
  'true'
  'false'
])
param graphUseManagedIdentity string = 'true'

@description('Base URL of the Jitsi deployment used by units whose provider is Jitsi.')
param jitsiBaseUrl string = ''

@description('Jitsi application id (JWT "iss"/"aud"), when the Jitsi deployment requires tokens.')
param jitsiAppId string = ''

@description('Jitsi room census URL (JITSI_ROOM_SIZE_URL); empty: not used.')
param jitsiRoomSizeUrl string = ''

@description('XMPP domain of the Jitsi deployment (JITSI_XMPP_DOMAIN); empty: the host of jitsiBaseUrl.')
param jitsiXmppDomain string = ''

@description('Client id of the app registration Teams SSO tokens are issued for (BALCAO_ENTRA_CLIENT_ID); empty: no Teams SSO.')
param entraClientId string = ''

@description('The court\'s Entra tenant (BALCAO_ENTRA_TENANT_ID), the issuer of Teams SSO tokens.')
param entraTenantId string = ''

@description('Entra ID sign-in endpoint of the cloud (BALCAO_ENTRA_AUTHORITY).')
param entraAuthority string = 'https://login.microsoftonline.com'

@description('Id of the Balcão Virtual Teams app (BALCAO_TEAMS_APP_ID): card buttons deep-link to its tabs.')
param teamsAppId string = ''

@description('Application ID URI of the registration (BALCAO_TEAMS_APP_ID_URI), an accepted audience of Teams SSO tokens.')
param teamsAppIdUri string = ''

// Citizen notices through Azure Communication Services (adapters/notice_acs.py), reached with the
// user-assigned identity (AZURE_CLIENT_ID): a channel whose setting is empty is not offered.
@description('Endpoint of the Communication Services resource (ACS_ENDPOINT).')
param acsEndpoint string = ''

@description('The court\'s SMS number in E.164, bought in the ACS resource (ACS_SMS_FROM); empty: no SMS.')
param acsSmsFrom string = ''

@description('Sender address of the linked e-mail domain (ACS_EMAIL_FROM); empty: no e-mail.')
param acsEmailFrom string = ''

@description('Channel registration id of the court\'s WhatsApp Business number in ACS (ACS_WHATSAPP_CHANNEL_ID); empty: no WhatsApp.')
param acsWhatsAppChannelId string = ''

// Citizen notices by Web Push (adapters/notice_push.py): the private key is a Key Vault reference (main.bicep).
@description('Web Push VAPID public key (PUSH_VAPID_PUBLIC_KEY); empty: no push.')
param pushVapidPublicKey string = ''

@description('VAPID subject (PUSH_VAPID_SUBJECT): a mailto: or https: contact of the court.')
param pushVapidSubject string = ''

@description('Spread the plan across availability zones (only in regions where Flex Consumption offers it).')
param zoneRedundant bool = false

// How far the app scales out, and why (main.bicep passes its own parameter of the same name):
//   - capacity: one dev host process on two shared cores served 1,000 citizens polling and 10 clerks
//     (make bench); a polling citizen costs ~0.02 storage transactions, so a whole court's waiting
//     citizens (a few thousand at the busiest hour) fit in a handful of instances; 20 leaves 4x room;
//   - abuse: polls are limited in each instance's memory (no storage transaction per poll), so one
//     client's ceiling across the app is this count times the per-instance rate (README, "Abuse
//     limits"); joins, webhook pacing and card dedup hold across instances in storage whatever it is;
//   - cost: a flood scales the app out, and the bill with it; this is the ceiling.
@description('Maximum number of instances the app may scale out to (see the comment above).')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 20

// Concurrent HTTP requests per instance: the platform starts another instance beyond it. 16 is Flex
// Consumption's default for 2,048 MB, stated here because the Python worker runs synchronous functions
// on a thread pool sized from the CPU count (5 or 6 threads on these instances): an HTTP request
// spends most of its time waiting for storage, so PYTHON_THREADPOOL_THREAD_COUNT gets the same number
// and every admitted request has a thread instead of queueing in the worker.
@description('Concurrent HTTP invocations per instance (also the Python worker\'s thread count).')
@minValue(1)
@maxValue(1000)
param httpPerInstanceConcurrency int = 16

@description('Memory of each instance, in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  //checkov:skip=CKV_AZURE_225:Zone redundancy of Flex Consumption depends on the region; it is the zoneRedundant parameter (off by default so that a deployment succeeds in every Flex region).
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
    zoneRedundant: zoneRedundant
  }
}

var identityAppSettings = [
  {
    name: 'AzureWebJobsStorage__blobServiceUri'
    value: blobEndpoint
  }
  {
    name: 'AzureWebJobsStorage__queueServiceUri'
    value: queueEndpoint
  }
  {
    name: 'AzureWebJobsStorage__tableServiceUri'
    value: tableEndpoint
  }
  {
    name: 'AzureWebJobsStorage__credential'
    value: 'managedidentity'
  }
  {
    name: 'AzureWebJobsStorage__clientId'
    value: identityClientId
  }
  {
    // Read by azure-identity (DefaultAzureCredential / ManagedIdentityCredential) to pick the
    // user-assigned identity, e.g. for Graph with GRAPH_USE_MANAGED_IDENTITY and for Azure Monitor.
    name: 'AZURE_CLIENT_ID'
    value: identityClientId
  }
  {
    // The documented exception to "no connection strings": it names the component and its ingestion
    // endpoint and carries no secret. Local authentication is disabled on the component, so only callers
    // with an Entra token (below) can send telemetry.
    name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
    value: applicationInsightsConnectionString
  }
  {
    name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING'
    value: 'Authorization=AAD;ClientId=${identityClientId}'
  }
]

var balcaoAppSettings = [
  {
    name: 'BALCAO_CONFIG_BLOB'
    value: configBlob
  }
  {
    name: 'BALCAO_PUBLIC_BASE_URL'
    value: publicBaseUrl
  }
  {
    name: 'BALCAO_SITE_ORIGINS'
    value: join(siteOrigins, ',')
  }
  {
    name: 'GRAPH_TENANT_ID'
    value: graphTenantId
  }
  {
    name: 'GRAPH_CLIENT_ID'
    value: graphClientId
  }
  {
    name: 'GRAPH_USE_MANAGED_IDENTITY'
    value: graphUseManagedIdentity
  }
  {
    name: 'JITSI_BASE_URL'
    value: jitsiBaseUrl
  }
  {
    name: 'JITSI_APP_ID'
    value: jitsiAppId
  }
  {
    name: 'PYTHON_THREADPOOL_THREAD_COUNT'
    value: string(httpPerInstanceConcurrency)
  }
  {
    name: 'JITSI_ROOM_SIZE_URL'
    value: jitsiRoomSizeUrl
  }
  {
    name: 'JITSI_XMPP_DOMAIN'
    value: jitsiXmppDomain
  }
  // Teams SSO (functions/teams_sso.py): the tabs' tokens are checked against the tenant's keys.
  {
    name: 'BALCAO_ENTRA_CLIENT_ID'
    value: entraClientId
  }
  {
    name: 'BALCAO_ENTRA_TENANT_ID'
    value: entraTenantId
  }
  {
    name: 'BALCAO_ENTRA_AUTHORITY'
    value: entraAuthority
  }
  {
    name: 'BALCAO_TEAMS_APP_ID_URI'
    value: teamsAppIdUri
  }
  {
    name: 'BALCAO_TEAMS_APP_ID'
    value: teamsAppId
  }
  // Citizen notices (issue 13): no key; the identity holds a role on the ACS resource (rbac.bicep).
  {
    name: 'ACS_ENDPOINT'
    value: acsEndpoint
  }
  {
    name: 'ACS_SMS_FROM'
    value: acsSmsFrom
  }
  {
    name: 'ACS_EMAIL_FROM'
    value: acsEmailFrom
  }
  {
    name: 'ACS_WHATSAPP_CHANNEL_ID'
    value: acsWhatsAppChannelId
  }
  {
    name: 'PUSH_VAPID_PUBLIC_KEY'
    value: pushVapidPublicKey
  }
  {
    name: 'PUSH_VAPID_SUBJECT'
    value: pushVapidSubject
  }
]

// GRAPH_CLIENT_SECRET, BALCAO_TOKEN_KEYS, JITSI_JWT_SECRET, PUSH_VAPID_PRIVATE_KEY, BALCAO_ALTCHA_KEY and every unit's Teams webhook setting: the
// platform resolves the reference with keyVaultReferenceIdentity. The versionless URI picks up a rotated
// secret (on restart or within a day) without a redeployment.
var keyVaultAppSettings = [for ref in secretRefs: {
  name: ref.setting
  value: '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/${ref.secretName})'
}]

resource app 'Microsoft.Web/sites@2024-04-01' = {
  //checkov:skip=CKV_AZURE_78:Flex Consumption has no FTP endpoint; ftpsState is a deprecated property there (setting it is refused). Basic publishing credentials are disabled below.
  //checkov:skip=CKV_AZURE_17:Client certificates would lock out browsers and the Static Web App proxy; callers are authenticated by Easy Auth (Entra ID / Static Web Apps) and ticket tokens.
  //checkov:skip=CKV_AZURE_222:Public network access is required: citizens call the public API, and the Static Web App backend link needs a publicly reachable app.
  //checkov:skip=CKV_AZURE_212:Flex Consumption scales per function on demand; a minimum instance count belongs to the always-ready setting, a cost choice of the court.
  //checkov:skip=CKV_AZURE_213:The platform health check (healthCheckPath) is not supported on the Flex Consumption plan; availability is watched in Application Insights.
  name: name
  location: location
  tags: union(tags, {
    'azd-service-name': 'api'
  })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    clientCertEnabled: false
    keyVaultReferenceIdentity: identityId
    publicNetworkAccess: 'Enabled'
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      http20Enabled: true
      cors: {
        allowedOrigins: siteOrigins
        supportCredentials: false
      }
      appSettings: concat(identityAppSettings, balcaoAppSettings, keyVaultAppSettings)
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${blobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
        triggers: {
          http: {
            perInstanceConcurrency: httpPerInstanceConcurrency
          }
        }
      }
      runtime: {
        name: 'python'
        version: '3.11'
      }
    }
  }
}

// Deployments go through Entra-authenticated one-deploy (azd, az functionapp deployment); no user name and
// password publishing.
resource ftpCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2023-12-01' = {
  parent: app
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2023-12-01' = {
  parent: app
  name: 'scm'
  properties: {
    allow: false
  }
}

output id string = app.id
output name string = app.name
output defaultHostName string = app.properties.defaultHostName
