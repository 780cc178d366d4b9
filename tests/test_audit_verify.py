"""``GET /api/v1/audit/verify`` at the gateway: every service's audit chain, side by side. intake-svc and
workflow-svc run for real over HTTP; a service that is not running is reported as such, never as valid."""

from __future__ import annotations

import io
from pathlib import Path

from sqlalchemy import text

from devkit.testing import Stack, Tokens, running, serving
from gateway.app import create_app as create_gateway
from gateway.settings import Settings as GatewaySettings
from intake_svc.app import create_app as create_intake
from intake_svc.settings import Settings as IntakeSettings
from workflow_svc.app import create_app as create_workflow
from workflow_svc.settings import Settings as WorkflowSettings

ROOT = Path(__file__).resolve().parents[1]
LLTP = "2.000488.000.00.15.H19"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\nstartxref\n0\n%%EOF\n"


async def test_the_gateway_reports_each_services_chain_and_a_changed_action(
    stack: Stack, tokens: Tokens, signing_key_file: Path, fake_catalog_url: str, tmp_path: Path
) -> None:
    intake = create_intake(IntakeSettings(
        database_url=stack.fresh_database("intake", ROOT / "intake-svc" / "migrations"), nats_url=stack.nats.url,
        auth_public_key_file=str(tokens.public_key_file), storage_dir=str(tmp_path / "files"),
        catalog_url=fake_catalog_url, run_background=False))
    workflow = create_workflow(WorkflowSettings(
        database_url=stack.fresh_database("workflow", ROOT / "workflow-svc" / "migrations"), nats_url=stack.nats.url,
        auth_public_key_file=str(tokens.public_key_file), run_background=False))
    async with serving(intake) as intake_url, serving(workflow) as workflow_url:
        gateway = create_gateway(GatewaySettings(
            database_url=stack.fresh_database("gateway", ROOT / "gateway" / "migrations"), nats_url=stack.nats.url,
            signing_key_file=str(signing_key_file), admin_password="Admin@Test2026", run_background=False,
            intake_url=intake_url, workflow_url=workflow_url,
            # nothing listens there: reported, not skipped
            catalog_url="http://127.0.0.1:9", notify_url="http://127.0.0.1:9", interop_url="http://127.0.0.1:9",
            portal_url="http://127.0.0.1:9"))
        async with running(gateway) as gw:
            citizen = tokens.header(sub="cd-1", username="cd1", roles=("citizen",), name="Nguyễn Văn An")
            files = []
            for n in range(2):
                r = await gw.post("/api/v1/files", headers=citizen,
                                  files={"file": (f"{n}.pdf", io.BytesIO(PDF + bytes([65 + n])), "application/pdf")})
                assert r.status_code == 201, r.text
                files.append(r.json()["id"])
            r = await gw.post("/api/v1/dossiers", headers=citizen, json={
                "procedure_code": LLTP, "return_method": "postal",
                "applicant": {"full_name": "Nguyễn Văn An", "id_number": "075090001234", "phone": "0912345678",
                              "email": "an@example.vn", "address": "Biên Hòa", "type": "citizen"},
                "form_data": {"loai_phieu": "Phiếu lý lịch tư pháp số 1", "muc_dich": "Xin việc",
                              "so_luong_phieu": 1, "ngay_sinh": "1990-05-12"},
                "documents": [{"requirement_code": "TP1", "file_id": files[0]},
                              {"requirement_code": "TP2", "file_id": files[1]}]})
            assert r.status_code == 201, r.text

            auditor = tokens.header(sub="tt", username="thanhtra", roles=("auditor",), agency_code="000.00.00.H19")
            assert (await gw.get("/api/v1/audit/verify", headers=citizen)).status_code == 403
            report = (await gw.get("/api/v1/audit/verify", headers=auditor)).json()
            assert report["services"]["intake"]["valid"] is True
            assert report["services"]["intake"]["entries"] >= 1
            assert report["services"]["workflow"] == {"entries": 0, "valid": True, "anchors": 0}
            assert report["services"]["gateway"]["valid"] is True
            assert "error" in report["services"]["catalog"] and report["valid"] is False

            engine = intake.state.engine
            async with engine.begin() as conn:
                await conn.execute(text("SET LOCAL session_replication_role = replica"))
                action_id = (await conn.execute(text(
                    "UPDATE dossier_actions SET actor_name = 'người khác' RETURNING id"))).scalar_one()
            broken = (await gw.get("/api/v1/audit/verify", headers=auditor)).json()["services"]["intake"]
            assert broken["valid"] is False
            assert broken["first_broken"]["ref"] == str(action_id)
            assert broken["first_broken"]["kind"] == "dossier_action"
