"""The river domain's side of the dashboard (DESIGN.md, "Domains"): its states and colours (``state``), its
words in every page language (``words``), the gauge chart (``chart``) and the gauge panel and warning banner
(``panel``). The consumers publish numbers, codes and ids under a gauge's ``river`` part; everything said about
them in a language is made here.
"""
