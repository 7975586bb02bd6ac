/*
 * Live order status (SPEC F5, G3): keeps every [data-order-status] element of an order page showing the
 * order's current status, pushed over /ws/orders/<order_id>/ (realtime/consumers_orders.py; the owner alone).
 *
 * The order id comes from the element's data-order-id or its closest [data-order-id] ancestor. On each
 * {"type": "order_status", "order_id", "status", "label"} message the element gets the new status in
 * data-order-status and its text becomes the label (taken from a <template data-order-status-labels> of
 * <span data-value="..">label</span> on the page when there is one, so the page's language wins).
 * data-order-status-state tells the socket's state: connecting | live | retrying | refused | stopped.
 * When the status moves on from the one the page was rendered with, the page's pay link
 * ([data-pay-link]) and cancel form ([data-cancel-form]) are hidden: they were only valid before.
 * A message with "shipment" ({carrier, carrier_label, tracking_no}) fills and shows the page's [data-shipment]
 * element ([data-carrier], [data-tracking-no] inside it).
 * A "meihao:order-status" event ({orderId, status, label}) is dispatched on document for other page code.
 *
 * Uses MeihaoRealtime (realtime.js, loaded by base.html on every page: reconnect with backoff, no retry after
 * a 4xxx refusal).
 */
(function (window, document) {
  "use strict";

  var ID_RE = /^[0-9]{1,40}$/;

  function labels() {
    var map = {};
    var template = document.querySelector("template[data-order-status-labels]");
    if (template && template.content) {
      Array.prototype.forEach.call(template.content.querySelectorAll("[data-value]"), function (el) {
        map[el.getAttribute("data-value")] = el.textContent;
      });
    }
    return map;
  }

  function orderIdOf(el) {
    var holder = el.hasAttribute("data-order-id") ? el : el.closest("[data-order-id]");
    var id = holder ? holder.getAttribute("data-order-id") : "";
    return ID_RE.test(id) ? id : null;
  }

  function hideStaleActions(orderId) {
    var scope = document.querySelector('[data-order-id="' + orderId + '"]') || document;
    Array.prototype.forEach.call(scope.querySelectorAll("[data-pay-link], [data-cancel-form]"), function (el) {
      el.hidden = true;
      el.style.display = "none";
    });
  }

  function showShipment(orderId, shipment) {
    var scope = document.querySelector('[data-order-id="' + orderId + '"]') || document;
    Array.prototype.forEach.call(scope.querySelectorAll("[data-shipment]"), function (el) {
      var carrier = el.querySelector("[data-carrier]");
      var tracking = el.querySelector("[data-tracking-no]");
      if (carrier) {
        carrier.textContent = String(shipment.carrier_label || shipment.carrier || "");
      }
      if (tracking) {
        tracking.textContent = String(shipment.tracking_no || "");
      }
      el.hidden = false;
    });
  }

  function watch(realtime, orderId, elements, names) {
    var rendered = elements[0].getAttribute("data-order-status");
    function setState(state) {
      elements.forEach(function (el) {
        el.setAttribute("data-order-status-state", state);
      });
    }
    realtime.connect("/ws/orders/" + orderId + "/", {
      onState: setState,
      onMessage: function (message) {
        if (!message || message.type !== "order_status" || String(message.order_id) !== orderId) {
          return;
        }
        var status = String(message.status || "");
        if (!/^[a-z_]{1,20}$/.test(status)) {
          return;
        }
        var label = names[status] || String(message.label || status);
        elements.forEach(function (el) {
          el.setAttribute("data-order-status", status);
          if (el.textContent !== label) {
            el.textContent = label;
          }
        });
        if (status !== rendered) {
          hideStaleActions(orderId);
        }
        if (message.shipment && typeof message.shipment === "object") {
          showShipment(orderId, message.shipment);
        }
        document.dispatchEvent(
          new window.CustomEvent("meihao:order-status", { detail: { orderId: orderId, status: status, label: label } })
        );
      },
    });
  }

  function start() {
    var names = labels();
    var byOrder = {};
    var ids = [];
    Array.prototype.forEach.call(document.querySelectorAll("[data-order-status]"), function (el) {
      var id = orderIdOf(el);
      if (!id) {
        return;
      }
      if (!byOrder[id]) {
        byOrder[id] = [];
        ids.push(id);
      }
      byOrder[id].push(el);
    });
    ids.forEach(function (id) {
      watch(window.MeihaoRealtime, id, byOrder[id], names);
    });
  }

  if (window.MeihaoRealtime) {
    window.MeihaoRealtime.whenPresent("[data-order-status]", start);
  }
})(window, document);
