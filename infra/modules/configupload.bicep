// Applies the declarative configuration (infra/config/balcao.json) by uploading it to the blob the app
// reads (BALCAO_CONFIG_BLOB). The running app re-reads that blob by ETag every minute, validates it and
// keeps the last good configuration if the new one is refused, so a change reaches the units within
// minutes without a code deployment.
//
// The upload runs in an Azure CLI deployment script signed in as the app's user-assigned identity
// (Storage Blob Data Owner on the account) with `--auth-mode login`: no account key is used. It reruns
// whenever the file's content changes (forceUpdateTag is a hash of it).
// Note: the deployment-script service runs the script in a container instance with its own temporary
// storage account, created and deleted by Azure for the run (cleanupPreference).

@description('Azure region.')
param location string

@description('Tags applied to the script resource.')
param tags object = {}

@description('Resource id of the user-assigned identity that signs in to the storage account.')
param identityId string

@description('Storage account that receives the file.')
param storageAccountName string

@description('Container of the configuration blob.')
param containerName string

@description('Name of the configuration blob inside the container.')
param blobName string

@description('Configuration content (JSON text).')
param configJson string

resource upload 'Microsoft.Resources/deploymentScripts@2023-08-01' = {
  name: 'upload-balcao-config'
  location: location
  tags: tags
  kind: 'AzureCLI'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    azCliVersion: '2.63.0'
    forceUpdateTag: uniqueString(configJson)
    retentionInterval: 'PT1H'
    cleanupPreference: 'OnSuccess'
    timeout: 'PT15M'
    environmentVariables: [
      {
        name: 'STORAGE_ACCOUNT'
        value: storageAccountName
      }
      {
        name: 'CONTAINER_NAME'
        value: containerName
      }
      {
        name: 'BLOB_NAME'
        value: blobName
      }
      {
        name: 'BALCAO_CONFIG_JSON'
        value: configJson
      }
    ]
    // Role assignments can take a few minutes to reach the data plane: retry before giving up.
    scriptContent: '''
set -eu
printf '%s' "$BALCAO_CONFIG_JSON" > /tmp/balcao.json
attempt=1
while [ "$attempt" -le 30 ]; do
  if az storage blob upload --auth-mode login --only-show-errors \
      --account-name "$STORAGE_ACCOUNT" --container-name "$CONTAINER_NAME" --name "$BLOB_NAME" \
      --file /tmp/balcao.json --content-type application/json --overwrite; then
    echo "uploaded $CONTAINER_NAME/$BLOB_NAME"
    exit 0
  fi
  echo "upload attempt $attempt failed; retrying in 10 s" >&2
  attempt=$((attempt + 1))
  sleep 10
done
echo "could not upload $CONTAINER_NAME/$BLOB_NAME" >&2
exit 1
'''
  }
}
