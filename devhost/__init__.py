"""A local stand-in for the Azure Functions host (Core Tools cannot be installed here).

It imports a `FunctionApp`, reads each function's trigger metadata once (`app.get_functions()`) and
runs it with the host's semantics (DESIGN.md §5):

- `devhost.http_server`: routes under host.json's routePrefix, methods, route/query/header/body, the
  function's `HttpResponse`; `site/` at `/`; Easy Auth emulation (`devhost.easyauth`);
- `devhost.queues`: queue triggers polling Azurite with batchSize, newBatchThreshold,
  maxPollingInterval, visibilityTimeout, maxDequeueCount and `<queue>-poison`;
- `devhost.timers` and `devhost.ncrontab`: NCRONTAB timers in UTC against an injectable clock;
- `devhost.host.DevHost`: the composition root used by tests; `python -m devhost` for people.
"""

from devhost.clock import FakeClock, utc_now
from devhost.config import HostConfig, QueueOptions
from devhost.errors import ConfigurationError, CronSyntaxError, DevHostError, FunctionLoadError
from devhost.host import DevHost
from devhost.invoker import FunctionStats
from devhost.ncrontab import CronSchedule

__all__ = [
    "ConfigurationError",
    "CronSchedule",
    "CronSyntaxError",
    "DevHost",
    "DevHostError",
    "FakeClock",
    "FunctionLoadError",
    "FunctionStats",
    "HostConfig",
    "QueueOptions",
    "utc_now",
]
