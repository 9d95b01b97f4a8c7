// Azure Communication Services for citizen notices (issue 13): SMS, WhatsApp (Advanced Messaging) and
// e-mail, all sent by the Function App with its managed identity (adapters/notice_*.py).
//
//   Communication Services resource (data at rest in `dataLocation`, Brazil by default)
//   └─ linked to the e-mail domain of
//      Email Communication Service (same data location, as linking requires)
//      └─ domain: an Azure-managed one (<id>.azurecomm.net, ready at once) or the court's own
//         (customEmailDomain: linked only once its DNS records are verified, customEmailDomainVerified)
//         └─ sender username (senderUsername@<domain>: ACS_EMAIL_FROM)
//
// Nothing here costs while idle: ACS, SMS and e-mail are paid per message (a phone number per month).
// The phone number for SMS and the WhatsApp channel are set up by the court in the portal (README:
// "Avisos por SMS, WhatsApp e e-mail") and given to the app by parameter.
// User engagement tracking stays off: it would rewrite the notice's link, which carries the citizen's
// token in its fragment, and add a tracking pixel.

@description('Name of the Communication Services resource (globally unique: <name>.communication.azure.com).')
param name string

@description('Name of the Email Communication Service.')
param emailServiceName string

@description('Geography where ACS keeps its data at rest (e.g. Brazil, United States).')
param dataLocation string = 'Brazil'

@description('Tags applied to the resources.')
param tags object = {}

@description('The court\'s own e-mail domain (e.g. tjac.jus.br). Empty: an Azure-managed domain.')
param customEmailDomain string = ''

@description('true once the custom domain\'s DNS records (SPF, DKIM, domain) are verified: only then can it be linked.')
param customEmailDomainVerified bool = false

@description('Local part of the sender address (naoresponda@<domain>).')
param senderUsername string = 'naoresponda'

@description('Display name of the sender address.')
param senderDisplayName string = 'Balcão Virtual'

var managedDomain = empty(customEmailDomain)
// A custom domain can be linked only once verified; until then the app gets no sender (no e-mail).
var linkDomain = managedDomain || customEmailDomainVerified

resource emailService 'Microsoft.Communication/emailServices@2023-04-01' = {
  name: emailServiceName
  location: 'global'
  tags: tags
  properties: {
    dataLocation: dataLocation
  }
}

resource emailDomain 'Microsoft.Communication/emailServices/domains@2023-04-01' = {
  parent: emailService
  name: managedDomain ? 'AzureManagedDomain' : customEmailDomain
  location: 'global'
  tags: tags
  properties: {
    domainManagement: managedDomain ? 'AzureManaged' : 'CustomerManaged'
    userEngagementTracking: 'Disabled'
  }
}

resource sender 'Microsoft.Communication/emailServices/domains/senderUsernames@2023-04-01' = {
  parent: emailDomain
  name: senderUsername
  properties: {
    username: senderUsername
    displayName: senderDisplayName
  }
}

resource communication 'Microsoft.Communication/communicationServices@2023-04-01' = {
  name: name
  location: 'global'
  tags: tags
  properties: {
    dataLocation: dataLocation
    linkedDomains: linkDomain ? [
      emailDomain.id
    ] : []
  }
}

output name string = communication.name
output endpoint string = 'https://${communication.properties.hostName}'
output senderAddress string = linkDomain ? '${sender.properties.username}@${emailDomain.properties.fromSenderDomain}' : ''
output emailDomainName string = emailDomain.name
