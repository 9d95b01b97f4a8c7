"""Storage clients follow the Functions host's connection settings (no network needed)."""

from __future__ import annotations

import pytest

from adapters.storage import StorageSettingsError, blob_service, queue_service, table_service


def test_identity_based_connection_uses_the_service_uris() -> None:
    settings = {
        "AzureWebJobsStorage__tableServiceUri": "https://acct.table.core.windows.net",
        "AzureWebJobsStorage__queueServiceUri": "https://acct.queue.core.windows.net",
        "AzureWebJobsStorage__blobServiceUri": "https://acct.blob.core.windows.net",
        "AzureWebJobsStorage__credential": "managedidentity",
        "AzureWebJobsStorage__clientId": "00000000-0000-0000-0000-000000000001",
    }
    assert table_service(settings).url.startswith("https://acct.table.core.windows.net")
    assert queue_service(settings).url.startswith("https://acct.queue.core.windows.net")
    assert blob_service(settings).url.startswith("https://acct.blob.core.windows.net")


def test_account_name_alone_gives_the_public_endpoints() -> None:
    assert queue_service({"AzureWebJobsStorage__accountName": "acct"}).url.startswith(
        "https://acct.queue.core.windows.net"
    )


def test_missing_settings_are_named() -> None:
    with pytest.raises(StorageSettingsError, match="AzureWebJobsStorage__tableServiceUri"):
        table_service({})
