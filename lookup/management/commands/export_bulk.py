from django.core.management.base import BaseCommand, CommandError

from lookup.opendata.export import OpenDataExportFailed, open_data_export, parse_date


class Command(BaseCommand):
    help = (
        "Write the day's open data export (the complete public dataset, its delta since the previous "
        "export, a signed manifest) into OPEN_DATA_ROOT/<date>/. A failure leaves the previous export "
        "in place and exits with status 1."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--date", help="YYYY-MM-DD: the export's day, on which publicity is judged (default today)"
        )
        parser.add_argument("--out", help="the folder of dated exports (default OPEN_DATA_ROOT)")

    def handle(self, *args, date=None, out=None, **options):
        try:
            day = parse_date(date) if date else None
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        try:
            result = open_data_export(date=day, out=out)
        except OpenDataExportFailed as exc:
            raise CommandError(f"Open data export failed, the previous export is unchanged: {exc}") from None
        manifest = result.manifest
        self.stdout.write(
            f"Open data export {manifest['date']} (as of {manifest['as_of']}) in {result.folder}:"
        )
        for name, dataset in manifest["datasets"].items():
            delta = dataset["delta"]
            change = (
                f" (+{delta['added']} ~{delta['changed']} -{delta['removed']} since {manifest['previous']})"
                if delta
                else ""
            )
            self.stdout.write(f"  {name}: {dataset['rows']} rows{change}")
        if result.pruned:
            self.stdout.write(f"Removed exports older than the retention: {', '.join(result.pruned)}")
