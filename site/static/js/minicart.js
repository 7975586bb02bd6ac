/* Mini-cart number in the header of every page (SPEC D3): fills every [data-cart-count] from
   GET /cart/count/ (which also sets the CSRF cookie the cart scripts use), and follows the
   "meihao:cart-count" events cart.js sends after each change. Works on cached static pages too. */
(function () {
  "use strict";
  function show(count) {
    document.querySelectorAll("[data-cart-count]").forEach(function (element) {
      element.textContent = String(count);
      element.setAttribute("data-count", String(count));
    });
  }
  document.addEventListener("meihao:cart-count", function (event) {
    if (event.detail && typeof event.detail.count === "number") { show(event.detail.count); }
  });
  var holder = document.querySelector("[data-cart-count]");
  var url = (holder && holder.getAttribute("data-cart-count-url")) || "/cart/count/";
  fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
    .then(function (response) { return response.ok ? response.json() : null; })
    .then(function (answer) { if (answer && answer.ok) { show(answer.count); } })
    .catch(function () { /* the header keeps its placeholder; the cart page itself still works */ });
})();
