"""File imports through the API: upload a CSV or XLSX file, poll its progress, fetch its error report (CSV)."""

from __future__ import annotations

from dataclasses import asdict

from django.http import Http404, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from registry.api.serializers import ApiErrorSerializer
from registry.selectors import agency_get
from registry.throttling import UserRateThrottle
from registry.tokens import ReadOnlyTokenPermission
from sanctions.models import ImportBatch
from sanctions.permissions import agencies_of, restrict_to_staff
from sanctions.records.importing.blanks import FORMATS, STYLES, blank_content, blank_for
from sanctions.records.importing.files import IMPORTABLE_KINDS, accepted_columns
from sanctions.records.importing.recovery import can_cancel, can_resume, import_cancel, import_resume
from sanctions.records.importing.run import import_error_report, import_errors, import_start

USCC_PATTERN = r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$"


class ImportErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="The row as a spreadsheet numbers it (the header is row 1).")
    column = serializers.CharField()
    value = serializers.CharField(allow_blank=True)
    reason = serializers.CharField()


class ImportBatchSerializer(serializers.ModelSerializer):
    agency = serializers.SlugRelatedField(slug_field="uscc", read_only=True)
    uploaded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    progress_percent = serializers.IntegerField(read_only=True)
    errors = serializers.SerializerMethodField()
    heartbeat_at = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="The import's last activity: its run writes it at every chunk and every few seconds.",
    )
    runs = serializers.IntegerField(
        read_only=True,
        help_text="How often it was queued: the upload, then every resume (a clerk's or the sweeper's).",
    )
    errors_not_stored = serializers.IntegerField(
        read_only=True,
        help_text="Errors beyond the stored ones (the first RECORD_IMPORT_MAX_STORED_ERRORS of a file, 10,000 unless set otherwise): counted, not listed.",
    )
    cancellable = serializers.SerializerMethodField(
        help_text="It can be cancelled (POST …/cancel/): it is waiting, running or failed."
    )
    resumable = serializers.SerializerMethodField(
        help_text="It can be resumed after its last committed chunk (POST …/resume/): it failed or was cancelled."
    )

    class Meta:
        model = ImportBatch
        fields = [
            "id",
            "agency",
            "original_name",
            "sha256",
            "submit",
            "status",
            "total_rows",
            "processed_rows",
            "progress_percent",
            "created_count",
            "unchanged_count",
            "error_count",
            "errors_not_stored",
            "message",
            "errors",
            "uploaded_by",
            "created_at",
            "heartbeat_at",
            "runs",
            "finished_at",
            "cancellable",
            "resumable",
        ]
        read_only_fields = fields

    @extend_schema_field(ImportErrorSerializer(many=True))
    def get_errors(self, batch: ImportBatch) -> list[dict]:
        """The first 100 bad rows; the whole list is at ``errors.csv``."""
        return [asdict(error) for error in import_errors(batch, limit=100)]

    def get_cancellable(self, batch: ImportBatch) -> bool:
        return can_cancel(batch)

    def get_resumable(self, batch: ImportBatch) -> bool:
        return can_resume(batch)


class AcceptedColumnSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="The record field the column fills.")
    label = serializers.CharField(help_text="The desk form's label of the field, in the request's language.")
    code = serializers.CharField(allow_null=True, help_text="The national code (CF_* or XK_*), if any.")
    national_name = serializers.CharField(
        allow_null=True, help_text="The national standard's Chinese column name, if any."
    )
    other_names = serializers.ListField(
        child=serializers.CharField(), help_text="Other headers read as this column (names, desk labels)."
    )
    required = serializers.BooleanField(
        help_text="The file needs this column (the party's USCC: or another identifier of the party)."
    )


class ImportColumnsSerializer(serializers.Serializer):
    penalty = AcceptedColumnSerializer(many=True)
    licence = AcceptedColumnSerializer(many=True)


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="CSV (UTF-8 or GB18030) or XLSX; in the first row national CF_*/XK_* headers, "
        "their Chinese column names or the desk form's labels (see /api/v1/imports/columns/)."
    )
    agency = serializers.RegexField(
        USCC_PATTERN,
        required=False,
        help_text="The agency's USCC, when the caller works for several agencies.",
    )
    submit = serializers.BooleanField(
        default=False, help_text="Submit the valid rows for review (else: drafts)."
    )


ERRORS = {
    400: OpenApiResponse(ApiErrorSerializer, description="Not a CSV or XLSX file, or an unknown agency."),
    401: OpenApiResponse(ApiErrorSerializer, description="No credentials."),
    403: OpenApiResponse(ApiErrorSerializer, description="Not a clerk of the agency, or a read-only token."),
    429: OpenApiResponse(ApiErrorSerializer, description="Too many requests; see Retry-After."),
}


@extend_schema_view(
    list=extend_schema(
        summary="Your agencies' imports, newest first",
        responses={200: ImportBatchSerializer(many=True), **ERRORS},
    ),
    retrieve=extend_schema(
        summary="One import: progress, counts and the first errors",
        responses={200: ImportBatchSerializer, 404: OpenApiResponse(ApiErrorSerializer), **ERRORS},
    ),
)
class ImportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ImportBatchSerializer
    permission_classes = [permissions.IsAuthenticated, ReadOnlyTokenPermission]
    throttle_classes = [UserRateThrottle]

    def get_queryset(self):
        return restrict_to_staff(
            ImportBatch.objects.select_related("agency", "uploaded_by"), self.request.user
        ).order_by("-created_at")

    @extend_schema(
        summary="Upload a file of records to import",
        description="Processed in the background, in chunks; poll the returned import for its progress. "
        "Uploading a file that was already imported returns that import (nothing is doubled).",
        request={"multipart/form-data": ImportUploadSerializer},
        responses={202: ImportBatchSerializer, **ERRORS},
    )
    def create(self, request, *args, **kwargs):
        upload = ImportUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        agencies = agencies_of(request.user)
        if upload.validated_data.get("agency"):
            agency = agency_get(uscc=upload.validated_data["agency"])
            if agency is None or agency not in agencies:
                raise serializers.ValidationError({"agency": ["You do not work for this agency."]})
        elif len(agencies) == 1:
            agency = agencies[0]
        else:
            raise serializers.ValidationError(
                {"agency": ["Name the agency (its USCC): you work for several."]}
            )
        file = upload.validated_data["file"]
        batch = import_start(
            actor=request.user,
            agency=agency,
            uploaded_file=file,
            original_name=file.name,
            submit=upload.validated_data["submit"],
        )
        batch.refresh_from_db()
        return Response(ImportBatchSerializer(batch).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="The columns a file of records may have, by kind, with every header accepted for each",
        responses={200: ImportColumnsSerializer, **ERRORS},
    )
    @action(detail=False, methods=["get"], url_path="columns")
    def columns(self, request):
        return Response(
            {
                kind: [
                    {
                        "field": c.field,
                        "label": c.label,
                        "code": c.code,
                        "national_name": c.national_name,
                        "other_names": list(c.other_names),
                        "required": c.required,
                    }
                    for c in accepted_columns(kind)
                ]
                for kind in IMPORTABLE_KINDS
            }
        )

    @extend_schema(
        summary="A blank file to fill in and import",
        description="Penalties or licences, headed by the national field codes or the national Chinese "
        "column names, as CSV (UTF-8 with a BOM) or XLSX (a second sheet explains the columns).",
        parameters=[
            OpenApiParameter("kind", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(IMPORTABLE_KINDS)),
            OpenApiParameter("style", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(STYLES)),
            OpenApiParameter("fmt", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(FORMATS)),
        ],
        responses={
            (200, "text/csv"): OpenApiTypes.BINARY,
            (200, FORMATS["xlsx"]): OpenApiTypes.BINARY,
            404: OpenApiResponse(ApiErrorSerializer),
            **ERRORS,
        },
    )
    @action(
        detail=False,
        methods=["get"],
        url_path=r"templates/(?P<kind>[a-z]+)/(?P<style>[a-z]+)/(?P<fmt>[a-z]+)",
    )
    def template(self, request, kind: str, style: str, fmt: str):
        blank = blank_for(kind, style, fmt)
        if blank is None:
            raise Http404
        response = HttpResponse(blank_content(blank), content_type=blank.content_type)
        response["Content-Disposition"] = f'attachment; filename="{blank.filename}"'
        return response

    def get_parsers(self):
        if getattr(self, "action", None) == "create" or self.request is None or self.request.method == "POST":
            return [MultiPartParser()]
        return super().get_parsers()

    @extend_schema(
        summary="Cancel an import: it stops after the chunk being written; the rows imported stay",
        description="A waiting, running or failed import can be cancelled; a cancelled import can be "
        "resumed later. Only a clerk of the import's agency may.",
        request=None,
        responses={
            200: ImportBatchSerializer,
            400: OpenApiResponse(ApiErrorSerializer, description="The import is done or cancelled already."),
            404: OpenApiResponse(ApiErrorSerializer),
            **ERRORS,
        },
    )
    @action(detail=True, methods=["post"], url_path="cancel")
    def cancel(self, request, pk=None):
        batch = import_cancel(actor=request.user, batch=self.get_object())
        return Response(ImportBatchSerializer(batch).data)

    @extend_schema(
        summary="Resume a failed or cancelled import after its last committed chunk",
        description="The import is queued again and continues from the rows it had imported: none is "
        "imported twice. Only a clerk of the import's agency may.",
        request=None,
        responses={
            202: ImportBatchSerializer,
            400: OpenApiResponse(
                ApiErrorSerializer,
                description="The import is not failed or cancelled, or it stopped for its share of bad rows.",
            ),
            404: OpenApiResponse(ApiErrorSerializer),
            **ERRORS,
        },
    )
    @action(detail=True, methods=["post"], url_path="resume")
    def resume(self, request, pk=None):
        batch = import_resume(actor=request.user, batch=self.get_object())
        batch.refresh_from_db()
        return Response(ImportBatchSerializer(batch).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="Every bad row as CSV (row, column, value, reason)",
        responses={
            (200, "text/csv"): OpenApiTypes.BINARY,
            404: OpenApiResponse(ApiErrorSerializer),
            **ERRORS,
        },
    )
    @action(detail=True, methods=["get"], url_path="errors")
    def errors_csv(self, request, pk=None):
        batch = self.get_object()
        response = HttpResponse(import_error_report(batch), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="import-{batch.pk}-errors.csv"'
        return response
