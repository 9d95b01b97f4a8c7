// Static Web App (Standard) serving site/: the citizen pages, the clerk console and the admin dashboard.
// Standard is required to link the Function App as the backend of /api (see apiauth.bicep).

@description('Static Web App name.')
param name string

@description('Region of the Static Web App resource (only a few regions host it; content is served globally).')
param location string

@description('Tags applied to the site (azd-service-name is added).')
param tags object = {}

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
  properties: {
    // Backends are not linked to pull-request environments, so they would show a site without an API.
    stagingEnvironmentPolicy: 'Disabled'
    allowConfigFileUpdates: true
    provider: 'None'
  }
}

output id string = site.id
output name string = site.name
output defaultHostname string = site.properties.defaultHostname
