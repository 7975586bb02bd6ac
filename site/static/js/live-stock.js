/*
 * Live stock (SPEC G1): keeps every [data-live-stock][data-sku-id] element showing the SKU's current stock.
 *
 * One socket per SKU id on the page (/ws/stock/<id>/, see realtime/consumers.py), through MeihaoRealtime
 * (realtime.js, loaded by base.html on every page: reconnect with backoff, stop on pagehide).
 *
 * On each {"type": "stock", "sku_id": .., "stock": ..} message, for each watching element:
 *   - its text becomes the number (or its data-sold-out-text, e.g. "缺货", when the stock is 0);
 *   - data-stock="<n>" is set, and data-sold-out plus the class "is-sold-out" are toggled at 0;
 *   - data-live-stock-state tells the socket's state: connecting | live | retrying | refused | stopped.
 * Add-to-cart forms of the same SKU (form[data-add-to-cart][data-sku-id]) get their submit button disabled
 * at 0 (text swapped when the button carries data-in-stock-text / data-sold-out-text) and their count
 * input's max set to the stock. A "meihao:stock" event ({skuId, stock}) is dispatched on document for any
 * other page code.
 */
(function (window, document) {
  "use strict";

  var ID_RE = /^[1-9][0-9]{0,18}$/;

  function toggleAttr(el, name, on) {
    if (on) {
      el.setAttribute(name, "");
    } else {
      el.removeAttribute(name);
    }
  }

  function showStock(el, stock) {
    var soldOut = stock === 0;
    var text = soldOut && el.hasAttribute("data-sold-out-text") ? el.getAttribute("data-sold-out-text") : String(stock);
    if (el.textContent !== text) {
      el.textContent = text;
    }
    el.setAttribute("data-stock", String(stock));
    toggleAttr(el, "data-sold-out", soldOut);
    el.classList.toggle("is-sold-out", soldOut);
  }

  function updateBuyForms(skuId, stock) {
    var forms = document.querySelectorAll('form[data-add-to-cart][data-sku-id="' + skuId + '"]');
    Array.prototype.forEach.call(forms, function (form) {
      var count = form.querySelector('input[name="count"]');
      if (count) {
        count.setAttribute("max", String(Math.max(stock, 1)));
        if (stock > 0 && parseInt(count.value, 10) > stock) {
          count.value = String(stock);
        }
      }
      Array.prototype.forEach.call(form.querySelectorAll('button[type="submit"]'), function (button) {
        button.disabled = stock === 0;
        var text = button.getAttribute(stock === 0 ? "data-sold-out-text" : "data-in-stock-text");
        if (text) {
          button.textContent = text;
        }
      });
    });
  }

  function watch(realtime, skuId, elements) {
    function setState(state) {
      elements.forEach(function (el) {
        el.setAttribute("data-live-stock-state", state);
      });
    }
    realtime.connect("/ws/stock/" + skuId + "/", {
      onState: setState,
      onMessage: function (message) {
        if (!message || message.type !== "stock" || String(message.sku_id) !== skuId) {
          return;
        }
        var stock = Number(message.stock);
        if (!isFinite(stock) || stock < 0 || Math.floor(stock) !== stock) {
          return;
        }
        elements.forEach(function (el) {
          showStock(el, stock);
        });
        updateBuyForms(skuId, stock);
        document.dispatchEvent(new window.CustomEvent("meihao:stock", { detail: { skuId: Number(skuId), stock: stock } }));
      },
    });
  }

  function start() {
    var bySku = {};
    var order = [];
    Array.prototype.forEach.call(document.querySelectorAll("[data-live-stock][data-sku-id]"), function (el) {
      var skuId = el.getAttribute("data-sku-id");
      if (!ID_RE.test(skuId)) {
        return;
      }
      if (!bySku[skuId]) {
        bySku[skuId] = [];
        order.push(skuId);
      }
      bySku[skuId].push(el);
    });
    order.forEach(function (skuId) {
      watch(window.MeihaoRealtime, skuId, bySku[skuId]);
    });
  }

  if (window.MeihaoRealtime) {
    window.MeihaoRealtime.whenPresent("[data-live-stock][data-sku-id]", start);
  }
})(window, document);
