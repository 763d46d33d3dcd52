from fastapi import FastAPI

from app.routers import items, orders

app = FastAPI(title="Shop API")
app.include_router(items.router, prefix="/api/v1")
app.include_router(orders.router, prefix="/api/v1")


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}
