//! One Parquet file written from typed rows: the Arrow schema of an export's columns, rows gathered into record
//! batches of a bounded size, row groups of a bounded size, and the file made visible only when complete (a
//! temporary file renamed over the old one).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::builder::{
    BooleanBuilder, Float64Builder, Int64Builder, ListBuilder, StringBuilder, TimestampMillisecondBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use crate::error::{AppError, AppResult};
use crate::store::{Cell, ColumnType, ExportColumn};

/// The time zone of every timestamp column: instants (UTC-adjusted in Parquet), shown in Beijing time.
pub const TIME_ZONE: &str = "Asia/Shanghai";

/// Rows per row group: bounds what the writer buffers before it writes (and what a reader reads at once).
const ROW_GROUP_ROWS: usize = 65_536;

/// The Arrow type of an exported column.
fn data_type(ty: ColumnType) -> DataType {
    let list = |item: DataType| DataType::List(Arc::new(Field::new_list_field(item, true)));
    match ty {
        ColumnType::Text => DataType::Utf8,
        ColumnType::Int | ColumnType::Fen => DataType::Int64,
        ColumnType::Float => DataType::Float64,
        ColumnType::Bool => DataType::Boolean,
        ColumnType::Timestamp => DataType::Timestamp(TimeUnit::Millisecond, Some(TIME_ZONE.into())),
        ColumnType::TextList => list(DataType::Utf8),
        ColumnType::IntList => list(DataType::Int64),
        ColumnType::FloatList => list(DataType::Float64),
    }
}

/// The Arrow schema of `columns`; money columns carry `unit = fen` in their field metadata.
pub fn schema(columns: &[ExportColumn]) -> Schema {
    Schema::new(
        columns
            .iter()
            .map(|c| {
                let field = Field::new(c.name, data_type(c.ty), c.nullable);
                match c.ty {
                    ColumnType::Fen => {
                        field.with_metadata(std::collections::BTreeMap::from([("unit".to_string(), "fen".to_string())]))
                    }
                    _ => field,
                }
            })
            .collect::<Vec<_>>(),
    )
}

/// The array builder of one column.
enum Builder {
    Text(StringBuilder),
    Int(Int64Builder),
    Float(Float64Builder),
    Bool(BooleanBuilder),
    Time(TimestampMillisecondBuilder),
    TextList(ListBuilder<StringBuilder>),
    IntList(ListBuilder<Int64Builder>),
    FloatList(ListBuilder<Float64Builder>),
}

impl Builder {
    fn new(ty: ColumnType) -> Builder {
        match ty {
            ColumnType::Text => Builder::Text(StringBuilder::new()),
            ColumnType::Int | ColumnType::Fen => Builder::Int(Int64Builder::new()),
            ColumnType::Float => Builder::Float(Float64Builder::new()),
            ColumnType::Bool => Builder::Bool(BooleanBuilder::new()),
            ColumnType::Timestamp => Builder::Time(TimestampMillisecondBuilder::new().with_timezone(TIME_ZONE)),
            ColumnType::TextList => Builder::TextList(ListBuilder::new(StringBuilder::new())),
            ColumnType::IntList => Builder::IntList(ListBuilder::new(Int64Builder::new())),
            ColumnType::FloatList => Builder::FloatList(ListBuilder::new(Float64Builder::new())),
        }
    }

    /// Appends `cell`; `false` when it is not of the column's type.
    fn push(&mut self, cell: &Cell) -> bool {
        match (self, cell) {
            (Builder::Text(b), Cell::Text(s)) => b.append_value(s),
            (Builder::Int(b), Cell::Int(i)) => b.append_value(*i),
            (Builder::Float(b), Cell::Float(x)) => b.append_value(*x),
            (Builder::Bool(b), Cell::Bool(v)) => b.append_value(*v),
            // Stored seconds; Parquet has no seconds unit that readers agree on.
            (Builder::Time(b), Cell::Int(t)) => b.append_value(t.saturating_mul(1000)),
            (Builder::TextList(b), Cell::TextList(items)) => {
                items.iter().for_each(|s| b.values().append_value(s));
                b.append(true);
            }
            (Builder::IntList(b), Cell::IntList(items)) => {
                b.values().append_slice(items);
                b.append(true);
            }
            (Builder::FloatList(b), Cell::FloatList(items)) => {
                b.values().append_slice(items);
                b.append(true);
            }
            (Builder::Text(b), Cell::Null) => b.append_null(),
            (Builder::Int(b), Cell::Null) => b.append_null(),
            (Builder::Float(b), Cell::Null) => b.append_null(),
            (Builder::Bool(b), Cell::Null) => b.append_null(),
            (Builder::Time(b), Cell::Null) => b.append_null(),
            (Builder::TextList(b), Cell::Null) => b.append(false),
            (Builder::IntList(b), Cell::Null) => b.append(false),
            (Builder::FloatList(b), Cell::Null) => b.append(false),
            _ => return false,
        }
        true
    }

    /// The column so far; the builder starts again empty.
    fn finish(&mut self) -> ArrayRef {
        match self {
            Builder::Text(b) => Arc::new(b.finish()),
            Builder::Int(b) => Arc::new(b.finish()),
            Builder::Float(b) => Arc::new(b.finish()),
            Builder::Bool(b) => Arc::new(b.finish()),
            Builder::Time(b) => Arc::new(b.finish()),
            Builder::TextList(b) => Arc::new(b.finish()),
            Builder::IntList(b) => Arc::new(b.finish()),
            Builder::FloatList(b) => Arc::new(b.finish()),
        }
    }
}

/// A Parquet file being written: rows in, record batches of at most `batch_rows` out.
pub struct TableWriter {
    name: String,
    columns: &'static [ExportColumn],
    schema: SchemaRef,
    builders: Vec<Builder>,
    pending: usize,
    batch_rows: usize,
    writer: ArrowWriter<File>,
    temp: PathBuf,
    path: PathBuf,
}

impl TableWriter {
    /// Starts `path` (written to a temporary file beside it until [`TableWriter::finish`]).
    pub fn create(
        path: &Path,
        name: &str,
        columns: &'static [ExportColumn],
        batch_rows: usize,
    ) -> AppResult<TableWriter> {
        let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let temp = path.with_file_name(format!(".{file_name}.{}.tmp", std::process::id()));
        let file = File::create(&temp).map_err(|e| cannot("create", &temp, e))?;
        let schema: SchemaRef = Arc::new(schema(columns));
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
            .build();
        let writer = ArrowWriter::try_new(file, schema.clone(), Some(props)).map_err(AppError::internal)?;
        Ok(TableWriter {
            name: name.to_string(),
            columns,
            schema,
            builders: columns.iter().map(|c| Builder::new(c.ty)).collect(),
            pending: 0,
            batch_rows: batch_rows.max(1),
            writer,
            temp,
            path: path.to_path_buf(),
        })
    }

    /// Appends one row (cells in column order); writes a record batch when `batch_rows` are pending.
    pub fn push(&mut self, row: &[Cell]) -> AppResult<()> {
        if row.len() != self.columns.len() {
            return Err(AppError::internal(anyhow::anyhow!(
                "{}: a row of {} values for {} columns",
                self.name,
                row.len(),
                self.columns.len()
            )));
        }
        for ((builder, cell), column) in self.builders.iter_mut().zip(row).zip(self.columns) {
            if !builder.push(cell) {
                return Err(AppError::internal(anyhow::anyhow!(
                    "{}.{}: {cell:?} is not {:?}",
                    self.name,
                    column.name,
                    column.ty
                )));
            }
        }
        self.pending += 1;
        if self.pending == self.batch_rows {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> AppResult<()> {
        if self.pending == 0 {
            return Ok(());
        }
        let arrays: Vec<ArrayRef> = self.builders.iter_mut().map(Builder::finish).collect();
        let batch = RecordBatch::try_new(self.schema.clone(), arrays).map_err(AppError::internal)?;
        self.writer.write(&batch).map_err(AppError::internal)?;
        self.pending = 0;
        Ok(())
    }

    /// Writes what is pending and the footer, then renames the file into place; returns its size in bytes.
    pub fn finish(mut self) -> AppResult<u64> {
        self.flush()?;
        let file = self.writer.into_inner().map_err(AppError::internal)?;
        file.sync_all().map_err(|e| cannot("write", &self.temp, e))?;
        let bytes = file.metadata().map_err(|e| cannot("write", &self.temp, e))?.len();
        drop(file);
        std::fs::rename(&self.temp, &self.path).map_err(|e| cannot("rename into", &self.path, e))?;
        Ok(bytes)
    }

    /// Drops an unfinished file (after an error).
    pub fn abandon(self) {
        let TableWriter { writer, temp, .. } = self;
        drop(writer);
        let _ = std::fs::remove_file(temp);
    }
}

fn cannot(what: &str, path: &Path, e: std::io::Error) -> AppError {
    AppError::internal(anyhow::Error::new(e).context(format!("cannot {what} {}", path.display())))
}
