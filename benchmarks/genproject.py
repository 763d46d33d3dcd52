"""Deterministic generator of a FastAPI project with N router modules.

The project looks like what tutorials and assistants write: ``app/main.py`` builds the
FastAPI app and includes every router, ``app/api/deps.py`` holds the database session and the
bearer-token auth dependencies, ``app/models.py`` the ORM models, and each
``app/api/routes/rNNNN.py`` an ``APIRouter(prefix=...)`` with pydantic schemas and five
endpoints (list, read, create, update, delete) that use ``Depends``, path parameters and
``response_model``. Some modules carry typical mistakes (a missing auth dependency, a missing
ownership check, an exception text in a response) so that an analyzer has something to report.

The output depends only on N: the same N always gives byte-identical files.

usage: python genproject.py OUT_DIR N
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

DEPS = '''"""Shared dependencies: database session and authentication."""

import os
from collections.abc import Iterator
from typing import Annotated

import jwt
from fastapi import Depends, HTTPException, status
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from app.db import SessionLocal
from app.models import User

SECRET_KEY = os.environ["SECRET_KEY"]
ALGORITHM = "HS256"

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token")


def get_db() -> Iterator[Session]:
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()


DbSession = Annotated[Session, Depends(get_db)]


def get_current_user(db: DbSession, token: Annotated[str, Depends(oauth2_scheme)]) -> User:
    try:
        payload = jwt.decode(token, SECRET_KEY, algorithms=[ALGORITHM])
    except jwt.PyJWTError:
        raise HTTPException(status_code=status.HTTP_401_UNAUTHORIZED, detail="Invalid token")
    user = db.get(User, int(payload["sub"]))
    if user is None or not user.is_active:
        raise HTTPException(status_code=status.HTTP_401_UNAUTHORIZED, detail="Inactive user")
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


def require_admin(user: CurrentUser) -> User:
    if not user.is_admin:
        raise HTTPException(status_code=status.HTTP_403_FORBIDDEN, detail="Admins only")
    return user
'''

DB = '''"""Database engine and session factory."""

import os

from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

engine = create_engine(os.environ.get("DATABASE_URL", "sqlite:///./app.db"))
SessionLocal = sessionmaker(bind=engine, autoflush=False)
'''

MODELS = '''"""ORM models."""

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    hashed_password: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)


class Item(Base):
    __tablename__ = "items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(50), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    price: Mapped[float] = mapped_column()
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
'''

ROUTER_HEAD = '''"""Endpoints for the {slug} resource."""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, status
from pydantic import BaseModel, Field

from app.api.deps import CurrentUser, DbSession, require_admin
from app.models import Item

router = APIRouter(prefix="/{slug}", tags=["{slug}"])
KIND = "{slug}"


class {cls}Create(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    price: float = Field(gt=0)


class {cls}Update(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = None
    price: float | None = Field(default=None, gt=0)


class {cls}Out(BaseModel):
    id: int
    name: str
    description: str | None = None
    price: float
    owner_id: int


def _get_owned(db: DbSession, item_id: int, user_id: int) -> Item:
    item = db.get(Item, item_id)
    if item is None or item.kind != KIND:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="Not found")
    if item.owner_id != user_id:
        raise HTTPException(status_code=status.HTTP_403_FORBIDDEN, detail="Forbidden")
    return item
'''

LIST_AUTH = """

@router.get("/", response_model=list[{cls}Out])
def list_{slug}(
    db: DbSession,
    user: CurrentUser,
    skip: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
):
    query = db.query(Item).filter(Item.kind == KIND, Item.owner_id == user.id)
    return query.offset(skip).limit(limit).all()
"""

# Mistake: no auth dependency and an unbounded page size.
LIST_OPEN = """

@router.get("/", response_model=list[{cls}Out])
def list_{slug}(db: DbSession, skip: int = 0, limit: int = 1000):
    return db.query(Item).filter(Item.kind == KIND).offset(skip).limit(limit).all()
"""

READ_OWNED = """

@router.get("/{{item_id}}", response_model={cls}Out)
def read_{slug}(item_id: int, db: DbSession, user: CurrentUser):
    return _get_owned(db, item_id, user.id)
"""

# Mistake: loads the object by id and never checks it belongs to the caller.
READ_UNCHECKED = """

@router.get("/{{item_id}}", response_model={cls}Out)
def read_{slug}(item_id: int, db: DbSession, user: CurrentUser):
    item = db.get(Item, item_id)
    if item is None:
        raise HTTPException(status_code=404, detail="Not found")
    return item
"""

CREATE_SAFE = """

@router.post("/", response_model={cls}Out, status_code=status.HTTP_201_CREATED)
def create_{slug}(payload: {cls}Create, db: DbSession, user: CurrentUser):
    item = Item(kind=KIND, owner_id=user.id, **payload.model_dump())
    db.add(item)
    db.commit()
    db.refresh(item)
    return item
"""

# Mistake: the exception text goes back to the client.
CREATE_LEAKY = """

@router.post("/", response_model={cls}Out, status_code=status.HTTP_201_CREATED)
def create_{slug}(payload: {cls}Create, db: DbSession, user: CurrentUser):
    try:
        item = Item(kind=KIND, owner_id=user.id, **payload.model_dump())
        db.add(item)
        db.commit()
    except Exception as exc:
        db.rollback()
        raise HTTPException(status_code=400, detail=str(exc))
    db.refresh(item)
    return item
"""

UPDATE_DELETE = """

@router.patch("/{{item_id}}", response_model={cls}Out)
def update_{slug}(item_id: int, payload: {cls}Update, db: DbSession, user: CurrentUser):
    item = _get_owned(db, item_id, user.id)
    for field, value in payload.model_dump(exclude_unset=True).items():
        setattr(item, field, value)
    db.commit()
    db.refresh(item)
    return item


@router.delete(
    "/{{item_id}}",
    status_code=status.HTTP_204_NO_CONTENT,
    dependencies=[Depends(require_admin)],
)
def delete_{slug}(item_id: int, db: DbSession) -> None:
    item = db.get(Item, item_id)
    if item is None:
        raise HTTPException(status_code=404, detail="Not found")
    db.delete(item)
    db.commit()
"""


def module_name(index: int) -> str:
    """Return the router module name for ``index`` (``r0000``, ``r0001``, ...)."""
    return f"r{index:04d}"


def router_source(index: int) -> str:
    """Return the source of router module ``index``; a few indices carry a mistake."""
    slug = f"res{index:04d}"
    fmt = {"slug": slug, "cls": f"Res{index:04d}"}
    parts = [
        ROUTER_HEAD,
        LIST_OPEN if index % 7 == 3 else LIST_AUTH,
        READ_UNCHECKED if index % 5 == 1 else READ_OWNED,
        CREATE_LEAKY if index % 11 == 4 else CREATE_SAFE,
        UPDATE_DELETE,
    ]
    return "".join(part.format(**fmt) for part in parts)


def main_source(count: int) -> str:
    """Return ``app/main.py``: the app and one ``include_router`` per router module."""
    names = [module_name(i) for i in range(count)]
    imports = "".join(f"from app.api.routes import {name}\n" for name in names)
    includes = "".join(f'app.include_router({name}.router, prefix="/api/v1")\n' for name in names)
    return (
        '"""Application entry point."""\n\n'
        "from fastapi import FastAPI\n\n"
        f"{imports}\n"
        'app = FastAPI(title="Generated API", version="1.0.0")\n\n'
        f"{includes}"
    )


def project_files(count: int) -> dict[str, str]:
    """Return the generated project as {relative path: source}."""
    files = {
        "app/__init__.py": "",
        "app/db.py": DB,
        "app/models.py": MODELS,
        "app/main.py": main_source(count),
        "app/api/__init__.py": "",
        "app/api/deps.py": DEPS,
        "app/api/routes/__init__.py": "",
    }
    for index in range(count):
        files[f"app/api/routes/{module_name(index)}.py"] = router_source(index)
    return files


def generate(out_dir: Path, count: int) -> None:
    """Write a fresh project with ``count`` router modules to ``out_dir`` (replaced if present)."""
    if out_dir.exists():
        shutil.rmtree(out_dir)
    for rel, source in project_files(count).items():
        path = out_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")


def main(argv: list[str]) -> int:
    """Command-line entry point."""
    if len(argv) != 2 or not argv[1].isdigit():
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    generate(Path(argv[0]), int(argv[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
