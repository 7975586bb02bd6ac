/* Wagtail's filtered-select.js sets up the option selects that exist when the admin page loads; an option row
   added later with the inline panel's "add" button would list every option. This sets up those late rows the
   same way: once the row's specification is chosen, its option select shows that specification's options only
   (the form's clean() refuses any other option server-side). */
(function () {
  "use strict";

  function setUp(select) {
    if (select.dataset.filteredRow) return;
    select.dataset.filteredRow = "1";
    var source = document.getElementById(select.dataset.filterField);
    if (!source) return;
    var all = Array.prototype.map.call(select.options, function (option) {
      return {
        value: option.value,
        label: option.label,
        specs: "filterValue" in option.dataset ? option.dataset.filterValue.split(",") : [],
      };
    });
    function update() {
      var chosen = select.value;
      var spec = source.value;
      select.textContent = "";
      var kept = false;
      all.forEach(function (option) {
        if (spec !== "" && option.value !== "" && option.specs.indexOf(spec) === -1) return;
        var node = document.createElement("option");
        node.value = option.value;
        node.textContent = option.label;
        select.appendChild(node);
        if (option.value === chosen) kept = true;
      });
      select.value = kept ? chosen : "";
    }
    update();
    // Wagtail's choosers announce a choice with a jQuery-visible "change" on the hidden input.
    if (window.jQuery) window.jQuery(source).on("change", update);
    else source.addEventListener("change", update);
  }

  function lateSelects(node) {
    if (node.nodeType !== 1) return [];
    if (node.matches('select[data-widget="filtered-select"]')) return [node];
    return Array.prototype.slice.call(node.querySelectorAll('select[data-widget="filtered-select"]'));
  }

  document.addEventListener("DOMContentLoaded", function () {
    new MutationObserver(function (records) {
      records.forEach(function (record) {
        Array.prototype.forEach.call(record.addedNodes, function (node) {
          lateSelects(node).forEach(setUp);
        });
      });
    }).observe(document.body, { childList: true, subtree: true });
  });
})();
