from fastapi import APIRouter

router = APIRouter(prefix="/orders")


@router.get("/{order_id}")
def read_order(order_id: int) -> dict:  # expect: AUTH001
    return {"id": order_id, "note": "a \"quoted\" 100% value, with: colons"}


@router.put("/{order_id}/status")
async def update_order_status(order_id: int, status: str) -> dict:  # expect: AUTH001
    return {"id": order_id, "status": status}
