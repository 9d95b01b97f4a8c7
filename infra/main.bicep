// Balcão Virtual (CNJ Res. 372/2021): everything one court needs on Azure, deployed with `azd up`.
//
//   resource group
//   ├─ user-assigned identity ── roles on storage, Application Insights and Key Vault (rbac.bicep)
//   ├─ Log Analytics + Application Insights (Entra-only ingestion)
//   ├─ storage account (tables, queues, blobs; no shared keys) ── config/balcao.json
//   ├─ Key Vault (RBAC, soft delete, purge protection) ── Graph secret, token keys, Jitsi secret, ALTCHA key, webhooks
//   ├─ Function App, Flex Consumption, Python 3.11 ── app settings as identity connections and KV references
//   ├─ Communication Services + Email Communication Service (data in Brazil) ── citizen notices by SMS,
//   │  WhatsApp and e-mail (communication.bicep); the identity may send through it (rbac.bicep)
//   │  └─ once the WhatsApp channel id is set: its Event Grid system topic, subscribed by the
//   │     whatsapp_events function (whatsappevents.bicep)
//   ├─ Static Web App (Standard) for site/ ── linked to the Function App as /api, Easy Auth (apiauth.bicep)
//   └─ deployment script that uploads infra/config/balcao.json (configupload.bicep)
//
// The configuration file is loaded at build time: `azd provision` after editing it is how an administrator
// applies a change. Its units' webhookSetting names become Key Vault secrets and app settings.

targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; names the resource group and seeds every resource name.')
param environmentName string

@minLength(1)
@description('Region of all resources except the Static Web App; it must offer Flex Consumption (e.g. brazilsouth, eastus2).')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Region of the Static Web App resource (centralus, eastus2, eastasia, westeurope or westus2); the content is served from a global edge.')
@allowed([
  'centralus'
  'eastus2'
  'eastasia'
  'westeurope'
  'westus2'
])
param staticWebAppLocation string = 'eastus2'

@description('Resource group name. Empty: rg-<environmentName>.')
param resourceGroupName string = ''

@description('Object id of the administrator running the deployment (azd sets AZURE_PRINCIPAL_ID); gets Key Vault Secrets Officer. Empty: none.')
param administratorPrincipalId string = ''

@description('Client id of the Entra ID app registration of the court\'s tenant: the Static Web App signs staff in with it (its secret goes to the Key Vault secret SWA-AAD-CLIENT-SECRET), and Easy Auth on the Function App validates its tokens (clerk console as a Teams tab).')
param entraClientId string = ''

@description('Tenant of the court\'s Entra ID: the only tenant whose accounts sign in (staticwebapp.config.json is pinned to it when azd packages the site). Empty: the tenant of the subscription.')
param entraTenantId string = ''

@description('Public base URL of the citizen site, when the court serves it on its own domain. Empty: the Static Web App URL.')
param publicBaseUrl string = ''

@description('Comma-separated origins of the court\'s own sites that call the public API from a browser (CORS), in addition to the Static Web App.')
param extraSiteOrigins string = ''

@description('Tenant of the Microsoft 365 organisation whose Teams hosts the meetings. Empty: entraTenantId.')
param graphTenantId string = ''

@description('Client id of the Graph application registration. Empty when Graph is called with the managed identity.')
param graphClientId string = ''

@description('"true": Graph is called with the managed identity (grant it OnlineMeetings.ReadWrite.All and an application access policy); "false": with graphClientId and GRAPH_CLIENT_SECRET.')
@allowed([
  'true'
  'false'
])
param graphUseManagedIdentity string = 'true'

@description('Base URL of the Jitsi deployment for units whose meeting provider is Jitsi.')
param jitsiBaseUrl string = ''

@description('Jitsi application id, when the Jitsi deployment requires JWTs.')
param jitsiAppId string = ''

@description('Jitsi room census (prosody mod_muc_size, e.g. https://meet.tribunal.jus.br/room-size): the console tells whether the citizen is in the room. Empty: not told.')
param jitsiRoomSizeUrl string = ''

@description('XMPP domain of the Jitsi deployment for the room census. Empty: the host of jitsiBaseUrl.')
param jitsiXmppDomain string = ''

@description('Id (GUID) of the Balcão Virtual Teams app (appPackage/manifest.json): cards deep-link to its Fila tab. Empty: cards link to the web console.')
param teamsAppId string = ''

@description('Application ID URI of the app registration for Teams SSO. Empty: api://<site host>/<entraClientId>.')
param teamsAppIdUri string = ''

@description('Geography where Azure Communication Services keeps its data (citizen notices).')
param acsDataLocation string = 'Brazil'

@description('The court\'s SMS number (E.164, e.g. +5568...) bought in the ACS resource. Empty: no SMS notices.')
param acsSmsFrom string = ''

@description('Channel registration id of the court\'s WhatsApp Business number connected to ACS Advanced Messaging. Empty: no WhatsApp notices.')
param acsWhatsAppChannelId string = ''

@description('Sender address of e-mail notices. Empty: naoresponda@ the linked e-mail domain.')
param acsEmailFrom string = ''

@description('The court\'s own e-mail domain for notices (e.g. tjac.jus.br). Empty: an Azure-managed domain.')
param acsCustomEmailDomain string = ''

@description('"true" once the DNS records of acsCustomEmailDomain are verified in the portal; it is linked (and e-mail sent) only then.')
@allowed([
  'true'
  'false'
])
param acsCustomEmailDomainVerified string = 'false'

@description('Graph client secret. Empty: leave the Key Vault secret as it is (set it with az keyvault secret set).')
@secure()
param graphClientSecret string = ''

@description('Ticket-token signing keys (BALCAO_TOKEN_KEYS). Empty: leave the Key Vault secret as it is.')
@secure()
param balcaoTokenKeys string = ''

@description('Web Push VAPID private key (PUSH_VAPID_PRIVATE_KEY, base64url). Empty: leave the Key Vault secret as it is.')
@secure()
param pushVapidPrivateKey string = ''

@description('Web Push VAPID public key (PUSH_VAPID_PUBLIC_KEY, base64url), the pair of the private key. Empty: no push notices.')
param pushVapidPublicKey string = ''

@description('Contact the push services may write to about this sender (PUSH_VAPID_SUBJECT), e.g. mailto:ti@tribunal.jus.br.')
param pushVapidSubject string = ''

@description('Proof-of-work challenge signing key (BALCAO_ALTCHA_KEY, 32+ random bytes in base64). Empty: leave the Key Vault secret as it is.')
@secure()
param balcaoAltchaKey string = ''

@description('Jitsi JWT secret. Empty: leave the Key Vault secret as it is.')
@secure()
param jitsiJwtSecret string = ''

@description('Teams Workflows webhook URL of each unit, by its webhookSetting name (TEAMS_WEBHOOK_<UNIT>). Units left out keep their current Key Vault secret.')
@secure()
param teamsWebhookUrls object = {}

@description('Maximum number of Function App instances: capacity for a whole court with room to spare, and the multiplier of the per-instance poll limits (reasons in modules/functionapp.bicep).')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 20

@description('Concurrent HTTP requests per Function App instance (reasons in modules/functionapp.bicep).')
@minValue(1)
@maxValue(1000)
param httpPerInstanceConcurrency int = 16

@description('Memory per Function App instance, in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Storage replication.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_GZRS'
  'Standard_RAGRS'
  'Standard_RAGZRS'
])
param storageSkuName string = 'Standard_ZRS'

@description('Days of log retention in Log Analytics and Application Insights.')
@minValue(30)
@maxValue(730)
param logRetentionInDays int = 90

// The court's declarative configuration: courts, units, staff. Validated by the app (domain/config.py).
// any() sets aside the type Bicep infers from the file: units differ in their optional properties
// (webhookSetting), and reading one that some unit lacks would otherwise be a type error.
var config = any(loadJsonContent('config/balcao.json'))

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
  application: 'balcao-virtual'
}
var tenantId = empty(entraTenantId) ? subscription().tenantId : entraTenantId

var configContainerName = 'config'
var configBlobName = 'balcao.json'
var deploymentContainerName = 'app-package-${resourceToken}'

// Key Vault secret names allow letters, digits and dashes only: each secret is named after the app setting
// that refers to it, with "_" turned into "-" (TEAMS_WEBHOOK_VARA1 -> TEAMS-WEBHOOK-VARA1).
var fixedSecretRefs = [
  {
    setting: 'GRAPH_CLIENT_SECRET'
    secretName: 'GRAPH-CLIENT-SECRET'
  }
  {
    setting: 'BALCAO_TOKEN_KEYS'
    secretName: 'BALCAO-TOKEN-KEYS'
  }
  {
    setting: 'JITSI_JWT_SECRET'
    secretName: 'JITSI-JWT-SECRET'
  }
  {
    setting: 'PUSH_VAPID_PRIVATE_KEY'
    secretName: 'PUSH-VAPID-PRIVATE-KEY'
  }
  {
    setting: 'BALCAO_ALTCHA_KEY'
    secretName: 'BALCAO-ALTCHA-KEY'
  }
]
var unitsWithWebhook = filter(config.units, unit => contains(unit, 'webhookSetting'))
var webhookSettingCandidates = [for unit in unitsWithWebhook: unit.webhookSetting]
// union() with an empty array drops duplicates: units may share one channel's webhook.
var webhookSettingNames = union(filter(webhookSettingCandidates, setting => !empty(setting)), [])
var webhookSecretRefs = [for setting in webhookSettingNames: {
  setting: setting
  secretName: replace(setting, '_', '-')
}]
var secretRefs = concat(fixedSecretRefs, webhookSecretRefs)
var secretValues = union(teamsWebhookUrls, {
  GRAPH_CLIENT_SECRET: graphClientSecret
  BALCAO_TOKEN_KEYS: balcaoTokenKeys
  JITSI_JWT_SECRET: jitsiJwtSecret
  PUSH_VAPID_PRIVATE_KEY: pushVapidPrivateKey
  BALCAO_ALTCHA_KEY: balcaoAltchaKey
})

var extraOrigins = filter(split(extraSiteOrigins, ','), origin => !empty(trim(origin)))
var trimmedExtraOrigins = [for origin in extraOrigins: trim(origin)]
var staticWebAppUrl = 'https://${staticWebApp.outputs.defaultHostname}'
// Teams SSO: the tabs load from the site, so the registration's Application ID URI names its host.
var siteUrl = empty(publicBaseUrl) ? staticWebAppUrl : publicBaseUrl
var siteHost = split(replace(replace(siteUrl, 'https://', ''), 'http://', ''), '/')[0]
var ssoAppIdUri = empty(entraClientId) ? '' : (empty(teamsAppIdUri) ? 'api://${siteHost}/${entraClientId}' : teamsAppIdUri)
var siteOrigins = union([
  staticWebAppUrl
], trimmedExtraOrigins)

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: empty(resourceGroupName) ? 'rg-${environmentName}' : resourceGroupName
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: 'id-balcao-${resourceToken}'
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: 'log-balcao-${resourceToken}'
    applicationInsightsName: 'appi-balcao-${resourceToken}'
    location: location
    tags: tags
    retentionInDays: logRetentionInDays
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: 'stbalcao${resourceToken}'
    location: location
    tags: tags
    skuName: storageSkuName
    deploymentContainerName: deploymentContainerName
    configContainerName: configContainerName
    logAnalyticsWorkspaceId: monitoring.outputs.workspaceId
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    name: 'kv-balcao-${take(resourceToken, 13)}'
    location: location
    tags: tags
    secretRefs: secretRefs
    secretValues: secretValues
    logAnalyticsWorkspaceId: monitoring.outputs.workspaceId
  }
}

module communication 'modules/communication.bicep' = {
  name: 'communication'
  scope: rg
  params: {
    name: 'acs-balcao-${resourceToken}'
    emailServiceName: 'ecs-balcao-${resourceToken}'
    dataLocation: acsDataLocation
    tags: tags
    customEmailDomain: acsCustomEmailDomain
    customEmailDomainVerified: acsCustomEmailDomainVerified == 'true'
  }
}

module rbac 'modules/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    identityPrincipalId: identity.outputs.principalId
    storageAccountName: storage.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    keyVaultName: keyVault.outputs.name
    communicationServiceName: communication.outputs.name
    administratorPrincipalId: administratorPrincipalId
  }
}

// WhatsApp (issue 18): the ACS resource's events reach the whatsapp_events function through Event Grid,
// once the court has connected its WhatsApp Business account and given the channel id (the function must
// exist: set the id after the first deployment of the code; README, "Avisos por SMS, WhatsApp e e-mail").
module whatsappEvents 'modules/whatsappevents.bicep' = if (!empty(acsWhatsAppChannelId)) {
  name: 'whatsappevents'
  scope: rg
  params: {
    communicationServiceName: communication.outputs.name
    functionAppName: functionApp.outputs.name
    systemTopicName: 'evgt-acs-balcao-${resourceToken}'
    tags: tags
  }
}

module staticWebApp 'modules/staticwebapp.bicep' = {
  name: 'staticwebapp'
  scope: rg
  params: {
    name: 'stapp-balcao-${resourceToken}'
    location: staticWebAppLocation
    tags: tags
    entraClientId: entraClientId
    keyVaultName: keyVault.outputs.name
  }
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  scope: rg
  dependsOn: [
    rbac
  ]
  params: {
    name: 'func-balcao-${resourceToken}'
    planName: 'plan-balcao-${resourceToken}'
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    blobEndpoint: storage.outputs.blobEndpoint
    queueEndpoint: storage.outputs.queueEndpoint
    tableEndpoint: storage.outputs.tableEndpoint
    deploymentContainerName: deploymentContainerName
    applicationInsightsConnectionString: monitoring.outputs.connectionString
    keyVaultUri: keyVault.outputs.uri
    secretRefs: secretRefs
    configBlob: '${configContainerName}/${configBlobName}'
    publicBaseUrl: empty(publicBaseUrl) ? staticWebAppUrl : publicBaseUrl
    siteOrigins: siteOrigins
    graphTenantId: empty(graphTenantId) ? tenantId : graphTenantId
    graphClientId: graphClientId
    graphUseManagedIdentity: graphUseManagedIdentity
    jitsiBaseUrl: jitsiBaseUrl
    jitsiAppId: jitsiAppId
    jitsiRoomSizeUrl: jitsiRoomSizeUrl
    jitsiXmppDomain: jitsiXmppDomain
    entraClientId: entraClientId
    entraTenantId: empty(entraClientId) ? '' : tenantId
    entraAuthority: environment().authentication.loginEndpoint // https://login.microsoftonline.com/ in the public cloud
    teamsAppId: teamsAppId
    teamsAppIdUri: ssoAppIdUri
    acsEndpoint: communication.outputs.endpoint
    acsSmsFrom: acsSmsFrom
    acsEmailFrom: empty(acsEmailFrom) ? communication.outputs.senderAddress : acsEmailFrom
    acsWhatsAppChannelId: acsWhatsAppChannelId
    pushVapidPublicKey: pushVapidPublicKey
    pushVapidSubject: pushVapidSubject
    maximumInstanceCount: maximumInstanceCount
    httpPerInstanceConcurrency: httpPerInstanceConcurrency
    instanceMemoryMB: instanceMemoryMB
  }
}

module apiAuth 'modules/apiauth.bicep' = {
  name: 'apiauth'
  scope: rg
  params: {
    staticWebAppName: staticWebApp.outputs.name
    functionAppName: functionApp.outputs.name
    functionAppLocation: location
    entraClientId: entraClientId
    entraTenantId: tenantId
  }
}

module configUpload 'modules/configupload.bicep' = {
  name: 'configupload'
  scope: rg
  dependsOn: [
    rbac
  ]
  params: {
    location: location
    tags: tags
    identityId: identity.outputs.id
    storageAccountName: storage.outputs.name
    containerName: configContainerName
    blobName: configBlobName
    configJson: string(config)
  }
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output AZURE_STATIC_WEB_APP_NAME string = staticWebApp.outputs.name
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output BALCAO_SITE_URL string = empty(publicBaseUrl) ? staticWebAppUrl : publicBaseUrl
output AZURE_COMMUNICATION_SERVICE_NAME string = communication.outputs.name
output ACS_ENDPOINT string = communication.outputs.endpoint
output BALCAO_CONFIG_BLOB string = '${configContainerName}/${configBlobName}'
