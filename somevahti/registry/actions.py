def open_revocation_tasks(actor, user):  # placeholder
    pass
