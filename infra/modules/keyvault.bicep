// Key Vault holding the Balcão Virtual secrets: the Graph client secret, the ticket-token signing keys,
// the Jitsi JWT secret and one secret per unit with that unit's Teams Workflows webhook URL.
// The Function App never sees a secret in its configuration: its app settings are Key Vault references
// resolved by the platform with the user-assigned identity (role "Key Vault Secrets User").
//
// A secret is written only when a value is given at deployment. With no value, the deployment leaves the
// secret alone, so an administrator can set or rotate it out of band
// (`az keyvault secret set --vault-name <vault> --name <secret> --value ...`) without a later `azd up`
// wiping it, and without the value ever passing through deployment history or the azd environment.

@description('Key Vault name (3-24 letters, digits and dashes, globally unique).')
param name string

@description('Azure region.')
param location string

@description('Tags applied to the vault.')
param tags object = {}

@description('Secrets managed by this deployment: [{ setting, secretName }]. setting is the app setting name that refers to the secret.')
param secretRefs array

@description('Values by app setting name. A missing or empty value leaves the secret untouched.')
@secure()
param secretValues object = {}

@description('Log Analytics workspace that receives the vault audit logs.')
param logAnalyticsWorkspaceId string

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  //checkov:skip=CKV_AZURE_109:Key Vault references from a Flex Consumption app without VNet integration come over the public endpoint; App Service is not a "trusted service" for the firewall. Access is RBAC-only.
  //checkov:skip=CKV_AZURE_189:Same reason as CKV_AZURE_109: public network access is needed until the app runs with VNet integration and a private endpoint.
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
    enabledForDeployment: false
    enabledForDiskEncryption: false
    enabledForTemplateDeployment: false
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: 'Allow'
    }
  }
}

resource secrets 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = [for ref in secretRefs: if (!empty(contains(secretValues, ref.setting) ? secretValues[ref.setting] : '')) {
  //checkov:skip=CKV_AZURE_41:Webhook URLs, the Graph client secret and signing keys are rotated by the court's own process; an expiry date here would silently break Key Vault references (the app would read the literal reference) on that date.
  parent: vault
  name: ref.secretName
  properties: {
    contentType: 'text/plain'
    value: contains(secretValues, ref.setting) ? secretValues[ref.setting] : ''
  }
}]

resource vaultDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'vault-to-log-analytics'
  scope: vault
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: [
      {
        categoryGroup: 'audit'
        enabled: true
      }
    ]
  }
}

output id string = vault.id
output name string = vault.name
output uri string = vault.properties.vaultUri
