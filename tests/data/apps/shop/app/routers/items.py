from fastapi import APIRouter, Depends

from app.deps import get_current_user

router = APIRouter(prefix="/items", tags=["items"])


@router.get("/")
def list_items(user: dict = Depends(get_current_user)) -> list[dict]:
    return []


@router.post("/")
def create_item(payload: dict, user: dict = Depends(get_current_user)) -> dict:
    return payload


@router.delete("/{item_id}")
def delete_item(item_id: int) -> None:  # expect: AUTH001
    return None
