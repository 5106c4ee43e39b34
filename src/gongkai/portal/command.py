"""``gongkai serve``: the portal's command, registered on the main Typer app."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer


def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve_command(
        data: Annotated[Path, typer.Option("--data", help="数据文件夹（内含 SQLite 数据库 gongkai.db）。")] = Path("gongkai-data"),
        db: Annotated[
            Optional[str],  # noqa: UP045 - Typer needs Optional on Python 3.10
            typer.Option("--db", help="数据库地址，如 postgresql+psycopg://用户@主机/库名；不给出时用 --data 中的 SQLite。"),
        ] = None,
        host: Annotated[str, typer.Option("--host", help="监听地址；默认只允许本机访问。")] = "127.0.0.1",
        port: Annotated[int, typer.Option("--port", help="端口。")] = 8000,
        demo: Annotated[bool, typer.Option("--demo", help="生成演示报送年度（示例县）并打印演示账号。")] = False,
        create_admin: Annotated[
            Optional[str],  # noqa: UP045
            typer.Option("--create-admin", help="创建管理员账号（从标准输入读取密码）后退出。"),
        ] = None,
        max_upload_mb: Annotated[int, typer.Option("--max-upload-mb", help="上传文件大小上限（MB）。")] = 20,
        timezone: Annotated[str, typer.Option("--timezone", help="页面和文件中显示时间所用的时区，默认北京时间（Asia/Shanghai）。")] = "Asia/Shanghai",
        admin_from: Annotated[
            Optional[list[str]],  # noqa: UP045
            typer.Option("--admin-from", help="县政务公开办账号只能从这些地址或网段使用（如 10.1.0.0/16，可写多次）；不写时不限。"),
        ] = None,
        password_days: Annotated[int, typer.Option("--password-days", min=0, help="密码使用超过这么多天须更换（0 为不要求定期更换）。")] = 180,
        backup_to: Annotated[
            Optional[Path],  # noqa: UP045
            typer.Option("--backup", help="把全部数据备份到这个文件（.zip）后退出，不启动服务；同 gongkai backup -o。", metavar="文件"),
        ] = None,
        restore_from: Annotated[
            Optional[Path],  # noqa: UP045
            typer.Option("--restore", help="把备份文件恢复到空数据库后退出，不启动服务；同 gongkai restore。", metavar="文件"),
        ] = None,
        verify_audit: Annotated[
            bool, typer.Option("--verify-audit", help="校验操作日志是否完整、未被改动后退出：完整时退出码 0，不完整时 1。")
        ] = False,
        key_file: Annotated[
            Optional[Path],  # noqa: UP045
            typer.Option("--key-file", help="密钥文件（放在数据库以外，如 /etc/gongkai/密钥）：操作日志带密钥校验，可加密存储文件。", metavar="文件"),
        ] = None,
        new_key_file: Annotated[
            Optional[Path],  # noqa: UP045
            typer.Option("--new-key-file", help="生成一个新的密钥文件（只有所有者可读）后退出；已有的文件不会被覆盖。", metavar="文件"),
        ] = None,
        audit_hash: Annotated[
            Optional[str],  # noqa: UP045
            typer.Option("--audit-hash", help="操作日志的校验方式：hmac-sm3（给出密钥文件时的默认）、hmac-sha256 或 sha256。", metavar="方式"),
        ] = None,
        require_2fa: Annotated[
            bool, typer.Option("--require-2fa", help="县级账号必须使用双因素登录（密码加验证码应用的动态码），安全策略中不能关闭。")
        ] = False,
        encrypt_files: Annotated[
            bool, typer.Option("--encrypt-files", help="用 SM4 加密存储上传的文件和生成的报告（须给出 --key-file）。")
        ] = False,
    ) -> None:
        """县级填报系统：各单位在浏览器中填报、提交，县政务公开办审核、汇总。

        各单位在浏览器中下载、上传、核对、提交，县政务公开办审核、汇总、一键下载。
        """
        from ..errors import GongkaiError
        from .serving import create_admin_account, serve

        if new_key_file is not None:
            _new_key_file(new_key_file)
            return
        keys = _keys(key_file, audit_hash, encrypt_files)
        if backup_to is not None or restore_from is not None or verify_audit:
            _maintenance(data, db, backup_to, restore_from, verify_audit, timezone, keys)
            return
        if create_admin:
            password = sys.stdin.readline().rstrip("\r\n")
            try:
                create_admin_account(data, db, create_admin, password, keys)
            except GongkaiError as exc:
                typer.echo(f"未创建管理员：{exc}", err=True)
                raise typer.Exit(1) from exc
            typer.echo(f"已创建系统管理员 {create_admin}。登录后请先在“县级账号”页面指定安全管理员和审计管理员（三员分立）。")
            return
        from .localtime import zone
        from .security import networks

        try:
            zone(timezone)
            networks(admin_from or [])
        except ValueError as exc:
            typer.echo(f"未启动：{exc}", err=True)
            raise typer.Exit(2) from exc
        try:
            serve(
                data, db=db, host=host, port=port, demo=demo, max_upload=max_upload_mb * 1024 * 1024, zone=timezone,
                admin_networks=tuple(admin_from or ()), password_max_days=password_days, keys=keys,
                require_two_factor=require_2fa,
            )
        except GongkaiError as exc:
            typer.echo(f"未启动：{exc}", err=True)
            raise typer.Exit(2) from exc

    def _new_key_file(path: Path) -> None:
        from ..errors import GongkaiError
        from .keys import new_key_file

        try:
            new_key_file(path)
        except GongkaiError as exc:
            typer.echo(f"未生成：{exc}", err=True)
            raise typer.Exit(2) from exc
        typer.echo(
            f"已生成密钥文件 {path}（只有所有者可读）。请另行妥善保存一份副本：丢失后，加密的文件无法打开，"
            "带密钥的操作日志无法校验。启动时用 --key-file 给出它。"
        )

    def _keys(path: Path | None, audit_hash: str | None, encrypt_files: bool):  # type: ignore[no-untyped-def]
        """The deployment's keys from ``--key-file``, ``--audit-hash`` and ``--encrypt-files``."""
        from ..errors import GongkaiError
        from .keys import AuditHash, load_keys

        kinds = {kind.value: kind for kind in AuditHash}
        if audit_hash is not None and audit_hash not in kinds:
            typer.echo(f"未启动：--audit-hash 只能是 {'、'.join(kinds)}，而不是“{audit_hash}”。", err=True)
            raise typer.Exit(2)
        try:
            return load_keys(path, audit_hash=kinds[audit_hash] if audit_hash else None, encrypt_files=encrypt_files)
        except GongkaiError as exc:
            typer.echo(f"未启动：{exc}", err=True)
            raise typer.Exit(2) from exc

    def _maintenance(  # type: ignore[no-untyped-def]
        data: Path, db: str | None, backup_to: Path | None, restore_from: Path | None, verify: bool, timezone: str, keys
    ) -> None:
        """``serve --backup`` / ``--restore`` / ``--verify-audit``: the same as ``gongkai backup`` and
        ``gongkai restore``, and the audit log's check; then exit without serving."""
        if sum((backup_to is not None, restore_from is not None, verify)) > 1:
            typer.echo("--backup、--restore、--verify-audit 一次只能用一个。", err=True)
            raise typer.Exit(2)
        if backup_to is not None:
            backup_command(output=backup_to, data=data, db=db)
        elif restore_from is not None:
            restore_command(backup_file=restore_from, data=data, db=db)
        else:
            from .localtime import zone
            from .serving import verify_audit

            try:
                zone(timezone)
            except ValueError as exc:
                typer.echo(f"未校验：{exc}", err=True)
                raise typer.Exit(2) from exc
            if db is None and not (data / "gongkai.db").exists():
                typer.echo(f"未校验：{data} 中没有填报系统的数据库 gongkai.db。", err=True)
                raise typer.Exit(2)
            from sqlalchemy.exc import SQLAlchemyError

            try:
                check = verify_audit(data, db, timezone, keys)
            except SQLAlchemyError as exc:
                typer.echo(f"未校验：无法读取数据库中的操作日志（{type(exc).__name__}）。", err=True)
                raise typer.Exit(2) from exc
            if check.key_needed:
                typer.echo(f"未校验：{check.message}", err=True)
                raise typer.Exit(2)
            if check.ok:
                typer.echo(f"操作日志校验通过：{check.message}")
                return
            typer.echo(f"操作日志校验未通过：{check.message}", err=True)
            raise typer.Exit(1)

    @app.command("backup")
    def backup_command(
        output: Annotated[Path, typer.Option("--output", "-o", help="备份文件（.zip）。")],
        data: Annotated[Path, typer.Option("--data", help="数据文件夹（内含 SQLite 数据库 gongkai.db）。")] = Path("gongkai-data"),
        db: Annotated[
            Optional[str],  # noqa: UP045 - Typer needs Optional on Python 3.10
            typer.Option("--db", help="数据库地址；不给出时用 --data 中的 SQLite。"),
        ] = None,
    ) -> None:
        """备份填报系统的全部数据到一个文件。

        包括各单位的上传、版本、报告、账号和操作日志；系统运行中也可以备份。
        """
        from .backup import BackupError, backup, postgres_commands
        from .serving import database_url

        if db is None and not (data / "gongkai.db").exists():
            typer.echo(f"未备份：{data} 中没有填报系统的数据库 gongkai.db。", err=True)
            raise typer.Exit(2)
        try:
            summary = backup(database_url(data, db), output)
        except BackupError as exc:
            typer.echo(f"未备份：{exc}", err=True)
            raise typer.Exit(2) from exc
        typer.echo(f"已备份到 {summary.path}：{len(summary.rows)} 张表，共 {summary.total} 行（数据库版本 {summary.revision}）。")
        native = postgres_commands(database_url(data, db), output)
        if native is not None:
            typer.echo("PostgreSQL 自带工具的备份和恢复命令（口令从 ~/.pgpass 或 PGPASSWORD 读取）：")
            typer.echo(f"  备份：{native.dump}")
            typer.echo(f"  恢复到空数据库：{native.restore}")

    @app.command("restore")
    def restore_command(
        backup_file: Annotated[Path, typer.Argument(help="gongkai backup 生成的备份文件。", metavar="备份文件")],
        data: Annotated[Path, typer.Option("--data", help="恢复到的数据文件夹（其中还没有数据库）。")] = Path("gongkai-data"),
        db: Annotated[
            Optional[str],  # noqa: UP045
            typer.Option("--db", help="恢复到的数据库地址（须为空数据库）；不给出时用 --data 中的 SQLite。"),
        ] = None,
    ) -> None:
        """把备份恢复到一个空的数据库。

        可从 SQLite 恢复到 PostgreSQL，反之亦然；已有数据的数据库不会被改动。
        """
        from .backup import BackupError, restore
        from .serving import database_url

        if not backup_file.is_file():
            typer.echo(f"未恢复：找不到备份文件 {backup_file}。", err=True)
            raise typer.Exit(2)
        try:
            summary = restore(backup_file, database_url(data, db))
        except BackupError as exc:
            typer.echo(f"未恢复：{exc}", err=True)
            raise typer.Exit(2) from exc
        typer.echo(f"已恢复 {summary.total} 行（{len(summary.rows)} 张表）。")
