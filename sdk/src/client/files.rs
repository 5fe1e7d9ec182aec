//! Files shared in chats: upload (raw body to `/files`, the extension of 000's upload), download
//! (`/files/{id}`), list (xuanxuan `attach.getList`). Only members of the chat may do any of it.

use std::sync::Arc;

use chinwag_wire::xuanxuan::ChatFlagParams;

use super::Inner;
use crate::error::{Error, Result};
use crate::model::{FileInfo, UploadedFile};
use crate::proto::rest::{self, Endpoint, Framing};

/// Upload, download, list.
#[derive(Debug)]
pub struct Files<'a> {
    pub(super) inner: &'a Arc<Inner>,
}

impl Files<'_> {
    /// Uploads `bytes` as a file named `name` into chat `gid`.
    pub async fn upload(&self, gid: &str, name: &str, bytes: Vec<u8>) -> Result<UploadedFile> {
        if name.trim().is_empty() {
            return Err(Error::InvalidInput("a file needs a name".into()));
        }
        let endpoint = Endpoint::new("POST", "/files", Framing::Upload)
            .query(&[("gid", gid), ("name", name)])?
            .bytes(bytes);
        self.inner.call(endpoint).await
    }

    /// Downloads file `id`.
    pub async fn download(&self, id: i64) -> Result<Vec<u8>> {
        let token = self.inner.require_token()?;
        let endpoint = Endpoint::new("GET", format!("/files/{id}"), Framing::Bytes);
        let response = self.inner.fetch(&endpoint, Some(&token)).await?;
        rest::decode_bytes(response)
    }

    /// The files shared in chat `gid`.
    pub async fn list(&self, gid: &str) -> Result<Vec<FileInfo>> {
        self.inner
            .xuanxuan_in(
                "attach",
                "getList",
                ChatFlagParams {
                    gid: gid.into(),
                    flag: None,
                },
            )
            .await
            .map(|(list, _)| list)
    }
}
