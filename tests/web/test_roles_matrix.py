"""Every registered route, walked as anonymous, staff, admin and master admin."""

import pytest

from crm.web.access import PUBLIC, access_of
from crm.models import Role
from crm.services import jobs
from tests.conftest import login, make_user

ROLES = [None, Role.STAFF, Role.ADMIN, Role.MASTER_ADMIN]


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        yield rule


def test_every_route_declares_its_access(app):
    with app.test_request_context():
        missing = [r.endpoint for r in _routes(app) if access_of(r.endpoint) is None]
    assert not missing, f"routes without @public/@login_required/@requires: {missing}"


def test_undeclared_route_is_refused(app_factory):
    app = app_factory()

    @app.route("/undeclared-probe")
    def undeclared_probe():
        return "secret"

    assert app.test_client().get("/undeclared-probe").status_code == 403


def _url(rule, ctx):
    values = {}
    for arg in rule.arguments:
        values[arg] = ctx[arg]
    path = rule.rule
    for k, v in values.items():
        path = path.replace(f"<int:{k}>", str(v)).replace(f"<{k}>", str(v))
    return path


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value if r else "anonymous")
def test_role_matrix(app, db, role):
    target = make_user(db, "staff")
    me = make_user(db, role) if role else None
    folder_owner = make_user(db, "admin")
    from crm.services.sidebar import create_folder

    folder = create_folder(db, actor=folder_owner, label="F")
    run = jobs.create(db, actor=me or target, kind="export_users", params={"format": "csv"})
    from crm.services.distribution import batches as batches_svc
    from crm.services.distribution import requests as requests_svc
    from tests.conftest import make_product, make_records

    product = make_product(db)
    database = make_records(db, product, 5)
    owner = me if role is Role.STAFF else target
    req = requests_svc.create_request(db, actor=owner, product_id=product.id, quantity=2)
    batch = requests_svc.approve_request(db, actor=folder_owner, request_id=req.id)
    record = batches_svc.list_batch_records(db, staff=owner, batch=batch).items[0]
    pending = requests_svc.create_request(db, actor=target if owner is not target else make_user(db, "staff"), product_id=product.id, quantity=1)
    ctx = {"user_id": target.id, "run_id": run.id, "folder_id": folder.id, "page_key": "home", "product_id": product.id,
           "database_id": database.id, "request_id": pending.id, "batch_id": batch.id, "record_id": record.id}
    client = app.test_client()
    if me:
        login(client, me)
    failures = []
    with app.test_request_context():
        rules = [(r, access_of(r.endpoint)) for r in _routes(app)]
    for rule, access in rules:
        if rule.endpoint in ("auth.logout",):
            continue  # would end the session mid-walk; covered in test_auth
        url = _url(rule, ctx)
        method = "GET" if "GET" in rule.methods else "POST"
        response = client.open(url, method=method)
        status = response.status_code
        location = response.headers.get("Location", "")
        if access == PUBLIC:
            ok = status < 500 and status != 403
        elif role is None:
            ok = status == 302 and "/login" in location
        elif not role.at_least(access):
            ok = status == 403
        else:
            ok = status < 500 and status != 403 and "/login" not in location
        if not ok:
            failures.append(f"{method} {url} as {role}: {status} {location}")
    assert not failures, "\n".join(failures)
