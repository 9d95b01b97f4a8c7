// Log Analytics workspace and a workspace-based Application Insights component. Local (instrumentation
// key) authentication is disabled: telemetry is accepted only with an Entra token, which the Function App
// obtains through its user-assigned identity (APPLICATIONINSIGHTS_AUTHENTICATION_STRING) and the role
// "Monitoring Metrics Publisher" granted in rbac.bicep.

@description('Name of the Log Analytics workspace.')
param logAnalyticsName string

@description('Name of the Application Insights component.')
param applicationInsightsName string

@description('Azure region.')
param location string

@description('Tags applied to both resources.')
param tags object = {}

@description('Days of log retention in the workspace.')
@minValue(30)
@maxValue(730)
param retentionInDays int = 90

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionInDays
    features: {
      enableLogAccessUsingOnlyResourcePermissions: true
    }
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: applicationInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    DisableLocalAuth: true
    RetentionInDays: retentionInDays
  }
}

output workspaceId string = workspace.id
output applicationInsightsName string = appInsights.name
output applicationInsightsId string = appInsights.id
// The connection string identifies the component and its ingestion endpoint; it carries no secret
// (with local authentication disabled, the instrumentation key alone cannot write telemetry).
output connectionString string = appInsights.properties.ConnectionString
