from flask import Flask


def register_blueprints(app: Flask) -> None:
    from crm.blueprints import admin_users, audit, auth, jobs, main, sidebar

    for module in (auth, main, admin_users, audit, sidebar, jobs):
        app.register_blueprint(module.bp)
