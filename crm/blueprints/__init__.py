"""One module (or package) per feature: a blueprint and its routes, nothing else."""

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from crm.blueprints import audit, databases, jobs, main, notifications, products, records, sidebar
    from crm.blueprints.accounts import auth, users
    from crm.blueprints.distribution import assignments, batches, requests

    for module in (auth, main, users, audit, sidebar, jobs, products, databases, requests, batches, records, assignments, notifications):
        app.register_blueprint(module.bp)
