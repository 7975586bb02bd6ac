"""The offline Alipay sandbox (SPEC F7): a local gateway that speaks Alipay's open-API protocol.

It verifies the shop's RSA2 request signatures with the shop's app public key, shows a pay page, signs the
return redirect and the asynchronous notify with its own RSA2 key exactly as Alipay does, and answers
`alipay.trade.query` and `alipay.trade.refund` with signed JSON. The shop reaches it only through
python-alipay-sdk (commerce.payments.gateway), so development and tests run the production code path.
Mounted at /alipay-sandbox/ when ALIPAY_SANDBOX_ENABLED (local and test settings; never in production).

This package's __init__ and `keys` import nothing from Django, so settings can create the key pairs.
"""
