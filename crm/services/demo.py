"""Demo data for trying the product. Idempotent: running it again changes nothing."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.models import Product, User
from crm.services.users import create_user

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


def seed(session: Session) -> list[tuple[str, str, str]]:
    existing = set(session.scalars(select(User.email)))
    for role, email, name in DEMO_USERS:
        if email not in existing:
            create_user(session, actor=None, email=email, name=name, password=DEMO_PASSWORD, role=role)
    products = set(session.scalars(select(Product.name)))
    for name in DEMO_PRODUCTS:
        if name not in products:
            session.add(Product(name=name))
    session.flush()
    return DEMO_USERS
