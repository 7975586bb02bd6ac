"""Flash sales (秒杀, issue 17): an editor's timed sale of a fixed quantity of one SKU at a sale price.

Owns FlashSale and FlashEntry. The instant answer comes from one Redis Lua step (`gate`); accepted presses
are recorded as FlashEntry rows with a durable job each and turned into orders by the orders app's own
placement (`commerce.orders.services.place_sale_order`). Stock is reserved from the SKU through
`commerce.catalog.stock` when the sale starts and the unsold rest given back when it ends. See
docs/flash-sale.md.
"""
