"""Demo data for trying the product. Idempotent: running it again changes nothing."""

from __future__ import annotations

import random

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from crm.models import CustomerDatabase, CustomerRecord, Product, User
from crm.services.distribution import requests as requests_svc
from crm.services.accounts.users import create_user

DEMO_PASSWORD = "demo12345"

DEMO_USERS = [
    ("master_admin", "master@demo.test", "Budi Santoso"),
    ("admin", "admin1@demo.test", "Sri Wahyuni"),
    ("admin", "admin2@demo.test", "Agus Setiawan"),
    ("staff", "staff01@demo.test", "Dewi Lestari"),
    ("staff", "staff02@demo.test", "Rizky Pratama"),
    ("staff", "staff03@demo.test", "Putri Ayu"),
    ("staff", "staff04@demo.test", "Andi Saputra"),
    ("staff", "staff05@demo.test", "Siti Nurhaliza"),
    ("staff", "staff06@demo.test", "Eko Prasetyo"),
    ("staff", "staff07@demo.test", "Rina Marlina"),
    ("staff", "staff08@demo.test", "Fajar Nugroho"),
    ("staff", "staff09@demo.test", "Indah Permata"),
    ("staff", "staff10@demo.test", "Yoga Firmansyah"),
]

DEMO_PRODUCTS = ["Gemilang Play", "Nusantara Bet"]
DEMO_RECORDS = 500
_FIRST = ["Ahmad", "Bambang", "Citra", "Dian", "Eka", "Fitri", "Gilang", "Hendra", "Intan", "Joko", "Kartika", "Lukman"]
_LAST = ["Hakim", "Susanti", "Wijaya", "Rahayu", "Kurniawan", "Hartono", "Maharani", "Siregar", "Utami", "Gunawan"]
_CITIES = ["Jakarta", "Surabaya", "Bandung", "Medan", "Semarang", "Makassar"]


def seed(session: Session) -> list[tuple[str, str, str]]:
    existing = set(session.scalars(select(User.email)))
    for role, email, name in DEMO_USERS:
        if email not in existing:
            create_user(session, actor=None, email=email, name=name, password=DEMO_PASSWORD, role=role)
    names = set(session.scalars(select(Product.name)))
    for name in DEMO_PRODUCTS:
        if name not in names:
            session.add(Product(name=name))
    session.flush()
    _seed_customers(session)
    return DEMO_USERS


def _seed_customers(session: Session) -> None:
    """A small customer database per product and two approved batches, so
    staff01/staff02 have something to work on (skipped once records exist)."""
    admin = session.scalar(select(User).where(User.email == "admin1@demo.test"))
    rng = random.Random(42)
    for p_index, name in enumerate(DEMO_PRODUCTS):
        product = session.scalar(select(Product).where(Product.name == name))
        if session.scalar(select(func.count()).select_from(CustomerRecord).where(CustomerRecord.product_id == product.id)):
            continue
        db = CustomerDatabase(product_id=product.id, name=f"Demo {name}", file_name="demo.csv", file_format="csv",
                              uploaded_by_id=admin.id, status=CustomerDatabase.DONE, rows_total=DEMO_RECORDS,
                              rows_imported=DEMO_RECORDS, headers=["username", "nama", "no hp", "kota"])
        session.add(db)
        session.flush()
        prefix = "gp" if p_index == 0 else "nb"
        session.execute(insert(CustomerRecord), [
            {"product_id": product.id, "database_id": db.id, "username": f"{prefix}member{i:04d}",
             "name": f"{rng.choice(_FIRST)} {rng.choice(_LAST)}", "phone": f"62812{rng.randint(10000000, 99999999)}",
             "extra": {"kota": rng.choice(_CITIES)}, "ever_assigned": False}
            for i in range(DEMO_RECORDS)
        ])
        for email, n in (("staff01@demo.test", 40), ("staff02@demo.test", 25)):
            staff = session.scalar(select(User).where(User.email == email))
            req = requests_svc.create_request(session, actor=staff, product_id=product.id, quantity=n, note="demo")
            requests_svc.approve_request(session, actor=admin, request_id=req.id)
        # one request waiting in the admins' queue
        staff = session.scalar(select(User).where(User.email == "staff03@demo.test"))
        requests_svc.create_request(session, actor=staff, product_id=product.id, quantity=30, note="Untuk besok pagi ya")
    session.flush()
