from flask import Flask


def register_blueprints(app: Flask) -> None:
    from crm.blueprints import (admin_users, assignments, audit, auth, batches, databases, jobs, main, notifications, products,
                                requests, sidebar)

    for module in (auth, main, admin_users, audit, sidebar, jobs, products, databases, requests, batches, assignments, notifications):
        app.register_blueprint(module.bp)
