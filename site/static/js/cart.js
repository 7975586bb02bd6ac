/* Meihao Mall cart (SPEC D3): add to cart from the product page, and the cart page's count changes,
   ticks, "select all" and deletes. Every total shown comes from the server's answer; the page never
   computes money. Talks JSON to the cart endpoints with the CSRF token from the cookie.
   The page's own messages come translated from the template's data-text-* attributes (on the add-to-cart
   form and on [data-cart]); the Chinese after each || is only the fallback (docs/i18n.md). */
(function () {
  "use strict";

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) { return decodeURIComponent(match[1]); }
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // `texts`: the element carrying the data-text-* attributes for this request's messages.
  function post(url, data, texts) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(data)
    }).then(function (response) {
      return response.json().catch(function () {
        return {
          ok: false,
          message: response.status === 403
            ? texts.getAttribute("data-text-expired") || "页面已过期，请刷新后重试"
            : texts.getAttribute("data-text-busy") || "网络繁忙，请稍后重试"
        };
      });
    }, function () {
      return { ok: false, message: texts.getAttribute("data-text-offline") || "网络连接失败，请检查网络后重试" };
    });
  }

  function setMiniCount(count) {
    document.dispatchEvent(new CustomEvent("meihao:cart-count", { detail: { count: count } }));
  }

  function yuan(amount) { return "¥" + amount; }

  /* ---- Product page: 加入购物车 ------------------------------------------------------------------ */
  function toast(anchor, text, ok) {
    var box = document.querySelector("[data-cart-toast]");
    if (!box) {
      box = document.createElement("p");
      box.setAttribute("data-cart-toast", "");
      box.setAttribute("role", "status");
      box.setAttribute("aria-live", "polite");
      box.style.cssText = "margin:8px 0 0;flex-basis:100%;font-size:14px;";
      anchor.appendChild(box);
    }
    box.style.color = ok ? "#389e0d" : "#c81623";
    box.textContent = text;
  }

  document.querySelectorAll("form[data-add-to-cart]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = form.querySelector("[type=submit]");
      var input = form.querySelector("input[name=count]");
      var skuId = form.getAttribute("data-sku-id") || (button && button.getAttribute("data-sku-id"));
      var url = form.getAttribute("data-url") || form.getAttribute("action") || "/cart/add/";
      if (button) { button.disabled = true; }
      post(url, { sku_id: skuId, count: input ? input.value : 1 }, form).then(function (answer) {
        if (button) { button.disabled = false; }
        if (answer.ok) {
          setMiniCount(answer.count);
          toast(form, answer.message || form.getAttribute("data-text-added") || "已加入购物车", true);
        } else {
          toast(form, answer.message || form.getAttribute("data-text-add-failed") || "加入购物车失败", false);
        }
      });
    });
  });

  /* ---- Cart page ----------------------------------------------------------------------------------- */
  var root = document.querySelector("[data-cart]");
  if (!root) { return; }
  var tbody = root.querySelector("[data-cart-lines]");
  var template = document.getElementById("cart-line-template");
  var message = root.querySelector("[data-cart-message]");

  function say(text, ok) {
    message.textContent = text || "";
    message.classList.toggle("ok", !!ok);
  }

  function fillLine(row, line) {
    row.setAttribute("data-sku-id", line.sku_id);
    row.classList.toggle("unavailable", !line.available);
    var box = row.querySelector("[data-select]");
    box.checked = line.selected;
    box.disabled = !line.is_launched;
    var name = row.querySelector("[data-name]");
    name.textContent = line.name;
    name.setAttribute("href", line.url);
    row.querySelector("[data-caption]").textContent = line.caption;
    row.querySelector("[data-problem]").textContent = line.problem;
    var image = row.querySelector("[data-image]");
    if (line.image_url) {
      var img = document.createElement("img");
      img.src = line.image_url; img.alt = ""; img.width = 80; img.height = 80;
      img.setAttribute("data-image", "");
      image.replaceWith(img);
    } else {
      image.textContent = line.name.slice(0, 2);
    }
    row.querySelector("[data-price]").textContent = yuan(line.price);
    var count = row.querySelector("[data-count]");
    count.value = line.count;
    count.max = Math.max(line.stock, 1);
    row.querySelectorAll("input[name=sku_id]").forEach(function (hidden) { hidden.value = line.sku_id; });
    row.querySelector("[data-subtotal]").textContent = yuan(line.subtotal);
  }

  function render(cart) {
    var rows = {};
    tbody.querySelectorAll("[data-cart-line]").forEach(function (row) { rows[row.getAttribute("data-sku-id")] = row; });
    var fragment = document.createDocumentFragment();
    cart.lines.forEach(function (line) {
      var row = rows[String(line.sku_id)];
      if (!row) {
        row = template.content.firstElementChild.cloneNode(true);
        row.querySelectorAll("input[name=csrfmiddlewaretoken]").forEach(function (t) { t.value = csrfToken(); });
      }
      fillLine(row, line);
      fragment.appendChild(row);
    });
    tbody.textContent = "";
    tbody.appendChild(fragment);
    root.querySelectorAll("[data-select-all]").forEach(function (box) { box.checked = cart.all_selected; });
    root.querySelector("[data-selected-count]").textContent = cart.selected_count;
    root.querySelector("[data-selected-amount]").textContent = yuan(cart.selected_amount);
    showFreight(cart.selected_amount);
    root.querySelector("[data-cart-kinds]").textContent = cart.lines.length;
    root.querySelector("[data-cart-empty]").hidden = cart.lines.length > 0;
    root.querySelector("[data-cart-body]").hidden = cart.lines.length === 0;
  }

  // The operator's freight rule (rendered by the template from the same FreightRule the checkout charges).
  function cents(text) { return Math.round(parseFloat(text) * 100) || 0; }
  function showFreight(amount) {
    var hint = root.querySelector("[data-freight-hint]");
    if (!hint) { return; }
    var goods = cents(amount), threshold = cents(hint.getAttribute("data-free-threshold"));
    var fee = cents(hint.getAttribute("data-freight"));
    var text;
    if (fee <= 0 || threshold <= 0 || goods >= threshold) {
      text = hint.getAttribute("data-text-free");
    } else {
      text = (hint.getAttribute("data-text-short") || "").replace("{missing}", ((threshold - goods) / 100).toFixed(2));
    }
    hint.querySelector("[data-freight-amount]").textContent = yuan(((fee <= 0 || threshold <= 0 || goods >= threshold) ? 0 : fee / 100).toFixed(2));
    hint.querySelector("[data-freight-note]").textContent = text;
  }

  function refresh() {
    return fetch(root.getAttribute("data-url-lines"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (answer) { if (answer.ok) { render(answer.cart); setMiniCount(answer.count); } })
      .catch(function () { say(root.getAttribute("data-text-reload") || "网络连接失败，请刷新页面"); });
  }

  function send(urlAttr, data) {
    root.setAttribute("aria-busy", "true");
    return post(root.getAttribute(urlAttr), data, root).then(function (answer) {
      root.removeAttribute("aria-busy");
      if (answer.ok) {
        say(answer.message, true);
        render(answer.cart);
        setMiniCount(answer.count);
      } else {
        say(answer.message || root.getAttribute("data-text-failed") || "操作失败，请稍后重试");
        refresh();  // put the page back to what the server holds
      }
      return answer;
    });
  }

  function skuIdOf(element) {
    var row = element.closest("[data-cart-line]");
    return row ? row.getAttribute("data-sku-id") : null;
  }

  root.addEventListener("click", function (event) {
    var step = event.target.closest("[data-count-step]");
    if (step) {
      var input = step.closest("[data-cart-line]").querySelector("[data-count]");
      var next = (parseInt(input.value, 10) || 1) + parseInt(step.getAttribute("data-count-step"), 10);
      if (next < 1) { return; }
      send("data-url-update", { sku_id: skuIdOf(step), count: next });
      return;
    }
    if (event.target.closest("[data-delete-selected]")) {
      var ids = [];
      tbody.querySelectorAll("[data-cart-line]").forEach(function (row) {
        if (row.querySelector("[data-select]").checked) { ids.push(row.getAttribute("data-sku-id")); }
      });
      if (!ids.length) { say(root.getAttribute("data-text-pick-first") || "请先勾选要删除的商品"); return; }
      send("data-url-delete", { sku_ids: ids });
    }
  });

  root.addEventListener("submit", function (event) {
    var form = event.target;
    event.preventDefault();
    if (form.hasAttribute("data-delete-form")) {
      send("data-url-delete", { sku_id: skuIdOf(form) });
    } else {
      send("data-url-update", { sku_id: skuIdOf(form), count: form.querySelector("[data-count]").value });
    }
  });

  root.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches("[data-select-all]")) {
      send("data-url-select-all", { selected: target.checked });
    } else if (target.matches("[data-select]")) {
      send("data-url-select", { sku_id: skuIdOf(target), selected: target.checked });
    } else if (target.matches("[data-count]")) {
      send("data-url-update", { sku_id: skuIdOf(target), count: target.value });
    }
  });
})();
