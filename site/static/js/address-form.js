/* Province -> city -> district cascade of the address form (SPEC A8), fed by the /areas/ JSON (A9).
 * The server renders the options for the current choice, so this only refills the lower selects when a
 * higher one changes. Each select gets data-state="loading" | "ready" | "error" for tests and styling. */
(function () {
  "use strict";

  var form = document.querySelector("[data-address-form]");
  if (!form) return;

  var provinces = form.querySelector('[data-area-level="province"]');
  var cities = form.querySelector('[data-area-level="city"]');
  var districts = form.querySelector('[data-area-level="district"]');
  var subsUrl = form.getAttribute("data-area-subs-url"); // ends in "/0/"
  var areasUrl = form.getAttribute("data-areas-url");
  var pending = {}; // latest request per select, so a slow old answer never overwrites a newer one

  function urlFor(code) {
    return subsUrl.replace(/0\/$/, encodeURIComponent(code) + "/");
  }

  function reset(select) {
    var placeholder = select.options.length ? select.options[0].cloneNode(true) : null;
    select.innerHTML = "";
    if (placeholder) {
      placeholder.value = "";
      select.appendChild(placeholder);
    }
    select.value = "";
    select.disabled = true;
    select.setAttribute("data-state", "empty");
  }

  function fill(select, areas) {
    areas.forEach(function (area) {
      var option = document.createElement("option");
      option.value = String(area.id);
      option.textContent = area.name;
      select.appendChild(option);
    });
    select.disabled = false;
    select.setAttribute("data-state", "ready");
  }

  function load(select, url, pick) {
    var token = {};
    pending[select.name] = token;
    select.setAttribute("data-state", "loading");
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (data) {
        if (pending[select.name] !== token) return;
        fill(select, pick(data));
      })
      .catch(function () {
        if (pending[select.name] !== token) return;
        select.disabled = false;
        select.setAttribute("data-state", "error");
      });
  }

  provinces.addEventListener("change", function () {
    reset(cities);
    reset(districts);
    if (provinces.value) {
      load(cities, urlFor(provinces.value), function (data) { return data.subs; });
    }
  });

  cities.addEventListener("change", function () {
    reset(districts);
    if (cities.value) {
      load(districts, urlFor(cities.value), function (data) { return data.subs; });
    }
  });

  // Server-rendered options are already there; only fetch what is missing.
  [provinces, cities, districts].forEach(function (select) {
    select.setAttribute("data-state", select.options.length > 1 ? "ready" : "empty");
  });
  if (provinces.options.length <= 1) {
    reset(provinces);
    load(provinces, areasUrl, function (data) { return data.areas; });
  }
  if (!provinces.value) cities.disabled = true;
  if (!cities.value) districts.disabled = true;
})();
