"""Registry writes, one function per verb. Each checks permissions and invariants,
writes in one transaction with its audit entry, and enqueues follow-up work on commit."""

from somevahti.registry.actions.access import (  # noqa: F401
    complete_access_task,
    open_revocation_tasks,
    record_access_grant,
    revoke_access_grant,
)
from somevahti.registry.actions.channels import (  # noqa: F401
    import_channels,
    record_activity,
    record_followers,
    update_channel,
)
from somevahti.registry.actions.dormancy import (  # noqa: F401
    close_channel_step,
    decide_dormancy,
    sweep_dormancy,
)
from somevahti.registry.actions.requests import (  # noqa: F401
    decide_channel_request,
    submit_channel_request,
)
