// Static Web App (Standard) serving site/: the citizen pages, the clerk console and the admin dashboard.
// Standard is required to link the Function App as the backend of /api (see apiauth.bicep) and for a
// custom Entra ID registration: staticwebapp.config.json signs staff in with the court's tenant only
// (its issuer is pinned when azd packages the site, infra/site_config.py) and blocks every other
// provider. The registration's client id and secret are read from the app settings named there:
// AAD_CLIENT_ID (the entraClientId parameter) and AAD_CLIENT_SECRET, a Key Vault reference resolved
// with the site's system-assigned identity (the secret is set out of band, never through azd).

@description('Static Web App name.')
param name string

@description('Region of the Static Web App resource (only a few regions host it; content is served globally).')
param location string

@description('Tags applied to the site (azd-service-name is added).')
param tags object = {}

@description('Client id of the Entra ID app registration the site signs staff in with (AAD_CLIENT_ID).')
param entraClientId string = ''

@description('Key Vault holding the registration\'s client secret.')
param keyVaultName string

@description('Name of the Key Vault secret with the registration\'s client secret (AAD_CLIENT_SECRET).')
param entraClientSecretName string = 'SWA-AAD-CLIENT-SECRET'

var keyVaultSecretsUser = '4633458b-17de-408a-b874-0445c86b69e6'

resource site 'Microsoft.Web/staticSites@2023-12-01' = {
  name: name
  location: location
  tags: union(tags, {
    'azd-service-name': 'web'
  })
  sku: {
    name: 'Standard'
    tier: 'Standard'
  }
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    // Backends are not linked to pull-request environments, so they would show a site without an API.
    stagingEnvironmentPolicy: 'Disabled'
    allowConfigFileUpdates: true
    provider: 'None'
  }
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, site.id, keyVaultSecretsUser)
  scope: vault
  properties: {
    principalId: site.identity.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser)
  }
}

resource appSettings 'Microsoft.Web/staticSites/config@2023-12-01' = {
  parent: site
  name: 'appsettings'
  dependsOn: [
    secretsUser
  ]
  properties: {
    AAD_CLIENT_ID: entraClientId
    AAD_CLIENT_SECRET: '@Microsoft.KeyVault(SecretUri=${vault.properties.vaultUri}secrets/${entraClientSecretName})'
  }
}

output id string = site.id
output name string = site.name
output defaultHostname string = site.properties.defaultHostname
