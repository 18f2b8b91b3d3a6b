// Searchable dropdowns (reporter, partner): keep the cursor in the search box when the list opens.
// Dash 4's dropdown moves focus to the selected option shortly after opening (later on a busy
// machine), so typing "Ger" did nothing until the user clicked the search box. Until the user
// moves in the list (arrow keys, Tab, the pointer), focus that lands on an option goes back to
// the search box. Served from /assets/ (the CSP allows no inline scripts).
(function () {
    "use strict";

    var NAVIGATION_KEYS = ["ArrowUp", "ArrowDown", "PageUp", "PageDown", "Home", "End", "Tab"];
    var userMoved = true;

    function focusSoon(search) {
        window.setTimeout(function () {
            if (document.activeElement !== search && search.isConnected) {
                search.focus({preventScroll: true});
            }
        }, 0);
    }

    new MutationObserver(function (mutations) {
        mutations.forEach(function (mutation) {
            mutation.addedNodes.forEach(function (node) {
                if (!(node instanceof Element)) {
                    return;
                }
                var search = node.matches("input.dash-dropdown-search")
                    ? node
                    : node.querySelector("input.dash-dropdown-search");
                if (search) {
                    userMoved = false;
                    focusSoon(search);
                }
            });
        });
    }).observe(document.documentElement, {childList: true, subtree: true});

    document.addEventListener("keydown", function (event) {
        if (NAVIGATION_KEYS.indexOf(event.key) >= 0) {
            userMoved = true;
        }
    }, true);

    document.addEventListener("pointermove", function (event) {
        if (event.target instanceof Element && event.target.closest(".dash-options-list")) {
            userMoved = true;
        }
    }, true);

    document.addEventListener("focusin", function (event) {
        var target = event.target;
        if (userMoved || !(target instanceof Element)) {
            return;
        }
        if (target.matches(".dash-options-list-option-checkbox")) {
            var content = target.closest(".dash-dropdown-content");
            var search = content && content.querySelector("input.dash-dropdown-search");
            if (search) {
                focusSoon(search);
            }
        }
    });
})();
