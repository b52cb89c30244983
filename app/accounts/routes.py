"""JSON API: who am I."""

from fastapi import APIRouter

from app.accounts.deps import CurrentUser
from app.accounts.models import UserPublic

router = APIRouter(tags=["accounts"])


@router.get("/me", response_model=UserPublic)
def read_me(user: CurrentUser) -> UserPublic:
    return UserPublic.model_validate(user)
