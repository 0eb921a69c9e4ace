"""Registry writes, one function per verb, in modules by area (requests, access,
channels, dormancy). Each checks permissions and invariants, writes in one
transaction with its audit entry, and enqueues follow-up work on commit."""
