"""Publishing figures safely: aggregate tables from verify results and the case store, each
figure on a rung of the evidence ladder, small cells and enough others withheld that none
can be worked out (docs/claims.md, "Publishing")."""
