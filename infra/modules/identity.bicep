// User-assigned managed identity of the Balcão Virtual backend. One identity is used for everything the
// Function App reaches (storage, Key Vault references, Application Insights, Microsoft Graph when enabled)
// and by the deployment script that uploads the configuration file, so that no key or connection string
// is ever needed.

@description('Name of the user-assigned managed identity.')
param name string

@description('Azure region.')
param location string

@description('Tags applied to the identity.')
param tags object = {}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
