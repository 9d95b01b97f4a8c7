// Links the Function App as the backend of the Static Web App (/api/* is proxied to it) and configures
// App Service Authentication ("Easy Auth", authsettingsV2) on the Function App.
//
// Why unauthenticated requests are let through (requireAuthentication false, AllowAnonymous):
//   the same app serves the public citizen contract (/api/units, /api/tickets/...: no sign-in, a ticket
//   token instead) and the clerk and administrator routes (/api/clerk/*, /api/gestao/*). Easy Auth can only
//   require sign-in for the whole app (excludedPaths would have to list every public route and keep up
//   with them), so it is used for what it does well: validating the caller's Entra ID or Static Web Apps
//   session and passing the principal to the app in X-MS-CLIENT-PRINCIPAL. The app itself refuses
//   /api/clerk/* and /api/gestao/* without a principal that holds a role for the unit or court, from one
//   authorization table. Easy Auth stays enabled so that the platform, not the caller, sets that header:
//   a client-supplied X-MS-CLIENT-PRINCIPAL is stripped before it reaches the app.
//
// Two identity providers:
//   - azureStaticWebApps: requests proxied by the linked Static Web App, whose users sign in with the
//     court's Entra ID on the site (/.auth/login/aad);
//   - azureActiveDirectory: bearer tokens issued by the court's tenant for the Easy Auth app registration,
//     e.g. the clerk console packaged as a Teams tab (SSO). No client secret is configured: Easy Auth only
//     validates tokens here; the interactive sign-in happens on the Static Web App.
// The linked backend registers the azureStaticWebApps provider itself; this resource is deployed after the
// link and restates it, so that a redeployment does not drop it.

@description('Name of the Static Web App.')
param staticWebAppName string

@description('Name of the Function App.')
param functionAppName string

@description('Region of the Function App.')
param functionAppLocation string

@description('Client id of the Entra ID app registration used by Easy Auth. Empty: only the Static Web App provider.')
param entraClientId string = ''

@description('Entra tenant whose users may sign in (the court\'s tenant).')
param entraTenantId string

resource site 'Microsoft.Web/staticSites@2023-12-01' existing = {
  name: staticWebAppName
}

resource app 'Microsoft.Web/sites@2024-04-01' existing = {
  name: functionAppName
}

resource backend 'Microsoft.Web/staticSites/linkedBackends@2023-12-01' = {
  parent: site
  name: 'api'
  properties: {
    backendResourceId: app.id
    region: functionAppLocation
  }
}

resource auth 'Microsoft.Web/sites/config@2024-04-01' = {
  // checkov reads every Microsoft.Web/sites/config resource as the "web" site configuration; this one is
  // authsettingsV2, where those properties do not exist.
  //checkov:skip=CKV_AZURE_13:Authentication is enabled here through authsettingsV2 (platform.enabled); the check only knows the V1 "authsettings" shape.
  //checkov:skip=CKV_AZURE_63:Not applicable to authsettingsV2 (HTTP logging is a "web" config property); requests are logged to Application Insights.
  //checkov:skip=CKV_AZURE_65:Not applicable to authsettingsV2 ("web" config property); errors are logged to Application Insights.
  //checkov:skip=CKV_AZURE_66:Not applicable to authsettingsV2 ("web" config property); failed requests are traced in Application Insights.
  //checkov:skip=CKV_AZURE_80:Not applicable: no .NET Framework; the app runs Python 3.11 (functionAppConfig.runtime).
  //checkov:skip=CKV_AZURE_88:Not applicable: Flex Consumption runs from a blob deployment package, not an Azure Files content share.
  //checkov:skip=CKV_AZURE_222:Not applicable to authsettingsV2; the public endpoint of the app is a requirement (see functionapp.bicep).
  parent: app
  name: 'authsettingsV2'
  dependsOn: [
    backend
  ]
  properties: {
    platform: {
      enabled: true
      runtimeVersion: '~1'
    }
    globalValidation: {
      // See the header: the app authorizes /api/clerk/* and /api/gestao/* from the principal header.
      requireAuthentication: false
      unauthenticatedClientAction: 'AllowAnonymous'
    }
    httpSettings: {
      requireHttps: true
      routes: {
        apiPrefix: '/.auth'
      }
      forwardProxy: {
        convention: 'NoProxy'
      }
    }
    identityProviders: {
      azureStaticWebApps: {
        enabled: true
        registration: {
          clientId: site.properties.defaultHostname
        }
      }
      azureActiveDirectory: {
        enabled: !empty(entraClientId)
        registration: {
          clientId: entraClientId
          openIdIssuer: '${environment().authentication.loginEndpoint}${entraTenantId}/v2.0'
        }
        validation: {
          allowedAudiences: [
            entraClientId
            'api://${entraClientId}'
          ]
        }
      }
    }
    login: {
      tokenStore: {
        enabled: false
      }
    }
  }
}
