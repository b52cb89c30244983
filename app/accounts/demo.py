"""Demo mode: the first start's accounts, one per role, for trying the product.

The start command makes them only on an empty database and sets the flag then; nothing in
the web app sets it. While it is set, the demo accounts log in without a second factor, a
banner says so on every page, and the web app makes no new accounts (nobody's real data
goes into an installation whose passwords are printed at every start). `videosparring
create-admin` ends it: the flag, the demo accounts with everything they made, and the file
of their passwords go.
"""

from collections.abc import Mapping
from typing import Any

from fastapi import Request
from sqlmodel import Session, col, select

from app.accounts.models import InstallationFlag, User
from app.core.db import session_scope
from app.core.errors import Conflict
from app.core.i18n import N_

FLAG = "demo_mode"


def is_on(session: Session) -> bool:
    return session.get(InstallationFlag, FLAG) is not None


def turn_on(session: Session) -> None:
    if not is_on(session):
        session.add(InstallationFlag(name=FLAG))
        session.flush()


def turn_off(session: Session) -> None:
    flag = session.get(InstallationFlag, FLAG)
    if flag is not None:
        session.delete(flag)
        session.flush()


def refuse_new_accounts(session: Session) -> None:
    """The web app makes no accounts while the demo accounts' passwords are public."""
    if is_on(session):
        raise Conflict(
            N_(
                "This installation is in demo mode: it makes no new accounts. Make the first "
                "administrator on the server (videosparring create-admin); that ends demo mode."
            ),
            code="account.demo_mode",
        )


def banner(request: Request) -> Mapping[str, Any]:
    """For every page (registered in app.main): whether to show the demo banner. Read
    through the request's own session where the login check left it open, so that a page
    never holds two pooled connections at once; else through a short one."""
    own = getattr(request.state, "session", None)
    if isinstance(own, Session) and own.in_transaction():
        return {"demo_mode": is_on(own)}
    with session_scope() as session:
        return {"demo_mode": is_on(session)}


def demo_users(session: Session) -> list[User]:
    return list(session.exec(select(User).where(col(User.demo).is_(True))).all())
