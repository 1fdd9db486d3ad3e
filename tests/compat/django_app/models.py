"""Authors and books. Migration 0001 creates both tables (UUID primary keys, as the DSQL
backend maps auto fields by default, plus a unique column, a composite unique constraint,
an index and a check constraint); 0002 adds `Book.author`, a ForeignKey to an existing
table, which the backend adds NOT VALID and then validates with ALTER TABLE ASYNC."""

from django.db import models


class Author(models.Model):
    name = models.CharField(max_length=100, unique=True)
    country = models.CharField(max_length=2, default="")
    born = models.IntegerField(null=True)

    class Meta:
        app_label = "library"
        indexes = [models.Index(fields=["country", "born"], name="library_author_country_born")]


class Book(models.Model):
    title = models.CharField(max_length=200, db_index=True)
    pages = models.IntegerField(default=0)
    edition = models.IntegerField(default=1)
    author = models.ForeignKey(Author, null=True, on_delete=models.CASCADE, related_name="books")

    class Meta:
        app_label = "library"
        constraints = [
            models.UniqueConstraint(fields=["title", "edition"], name="library_book_title_edition"),
            models.CheckConstraint(condition=models.Q(pages__gte=0), name="library_book_pages_gte_0"),
        ]
