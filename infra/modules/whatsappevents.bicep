// The WhatsApp channel's events (issue 18): what citizens write to the court's number and the delivery
// reports of what the court sent reach the Function App through Event Grid.
//
//   Event Grid system topic of the Communication Services resource
//   (topicType Microsoft.Communication.CommunicationServices)
//   └─ event subscription → the Function App's `whatsapp_events` function (an Event Grid trigger,
//      functions/whatsapp_events.py): AdvancedMessageReceived and AdvancedMessageDeliveryStatusUpdated,
//      CloudEvents 1.0, retried for a day (the function is idempotent by the ACS message id)
//
// main.bicep deploys this module only when the WhatsApp channel id is set (acsWhatsAppChannelId): the
// court connects its WhatsApp Business account first (README, "Avisos por SMS, WhatsApp e e-mail"). Event
// Grid checks that the function exists when the subscription is created, so the app's code must be
// deployed before (the first `azd up` deploys it; the channel id is set afterwards, with `azd provision`).
// An AzureFunction endpoint needs no key in the template: Event Grid calls the function with the system
// key it gets through Azure Resource Manager.

@description('Name of the Communication Services resource (communication.bicep).')
param communicationServiceName string

@description('Name of the Function App that hosts the whatsapp_events function.')
param functionAppName string

@description('Name of the Event Grid system topic of the ACS resource.')
param systemTopicName string

@description('Tags applied to the resources.')
param tags object = {}

@description('Name of the Event Grid-triggered function (functions/whatsapp_events.py).')
param functionName string = 'whatsapp_events'

@description('Event Grid delivery attempts before an event is dropped (1-30).')
@minValue(1)
@maxValue(30)
param maxDeliveryAttempts int = 30

@description('Minutes an undelivered event is retried (up to 1440, a day).')
@minValue(1)
@maxValue(1440)
param eventTimeToLiveInMinutes int = 1440

resource communication 'Microsoft.Communication/communicationServices@2023-04-01' existing = {
  name: communicationServiceName
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' existing = {
  name: functionAppName
}

resource systemTopic 'Microsoft.EventGrid/systemTopics@2022-06-15' = {
  name: systemTopicName
  location: 'global'
  tags: tags
  properties: {
    source: communication.id
    topicType: 'Microsoft.Communication.CommunicationServices'
  }
}

resource subscription 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2022-06-15' = {
  parent: systemTopic
  name: 'whatsapp-events'
  properties: {
    destination: {
      endpointType: 'AzureFunction'
      properties: {
        resourceId: '${functionApp.id}/functions/${functionName}'
        maxEventsPerBatch: 1
        preferredBatchSizeInKilobytes: 64
      }
    }
    filter: {
      includedEventTypes: [
        'Microsoft.Communication.AdvancedMessageReceived'
        'Microsoft.Communication.AdvancedMessageDeliveryStatusUpdated'
      ]
    }
    eventDeliverySchema: 'CloudEventSchemaV1_0'
    retryPolicy: {
      maxDeliveryAttempts: maxDeliveryAttempts
      eventTimeToLiveInMinutes: eventTimeToLiveInMinutes
    }
  }
}

output systemTopicName string = systemTopic.name
