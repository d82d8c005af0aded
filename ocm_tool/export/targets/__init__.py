"""Import-ready files for another product (``--import-for``), made from the export's tables.

A target is data (``tables.py``): its files, and for each file a table of fields, each a
target header and where its value comes from in the entity table's rows (an entity header, or
a small function of the row's typed values and of the records it links to). ``model.py``
defines that vocabulary and the sources; ``writer.py`` keeps the rows of the tables a target
needs while the export runs and, when it ends, writes ``import/<target>/``: the files, a zip
where the product takes one, ``README.txt`` (from ``readme/<target>.txt``, a Jinja2
template: the import steps, what mapped where, what did not) and, for targets that associate
records by keys, the records that cannot be associated.
"""
